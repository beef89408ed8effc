using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Connections;

public static class ConnectionsApi
{
    // Long enough for a provider across the world, short enough for someone waiting on a button.
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapConnectionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/connections").WithTags("Connections").RequireAuthorization();

        api.MapGet("/", ListConnections).WithName("ListConnections")
            .WithSummary("The workspace's provider connections, the server's built-in one first (keys are never returned)")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapPost("/", CreateConnection).WithName("CreateConnection")
            .WithSummary("Add a provider connection; its key is stored encrypted and never returned")
            .RequireWorkspaceRole(WorkspaceRole.Owner);
        api.MapGet("/{id}", GetConnection).WithName("GetConnection").WithSummary("One provider connection")
            .RequireConnectionRole(WorkspaceRole.Viewer);
        api.MapPut("/{id}", UpdateConnection).WithName("UpdateConnection")
            .WithSummary("Change a provider connection; apiKey absent or null keeps the stored key, \"\" removes it")
            .RequireConnectionRole(WorkspaceRole.Owner);
        api.MapDelete("/{id}", DeleteConnection).WithName("DeleteConnection")
            .WithSummary("Delete a provider connection that no active job runs on")
            .RequireConnectionRole(WorkspaceRole.Owner);
        api.MapPost("/{id}/test", TestConnection).WithName("TestConnection")
            .WithSummary("List the provider's models once, with a short timeout: { ok, message, modelCount, elapsedMs }")
            .RequireConnectionRole(WorkspaceRole.Member);
        return app;
    }

    // A connection route's workspace is the connection's own; the server connection is in every workspace.
    private static RouteHandlerBuilder RequireConnectionRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<ConnectionLookup>(role, "id", (lookup, id) => lookup.WorkspaceOfAsync(id));

    public static async Task<Ok<IReadOnlyList<ProviderConnection>>> ListConnections(WorkspaceScope workspace, [AsParameters] ConnectionServices services) =>
        TypedResults.Ok(await services.Connections.ListAsync(workspace.Id));

    public static async Task<Results<Ok<ProviderConnection>, NotFound>> GetConnection(string id, [AsParameters] ConnectionServices services) =>
        await services.Lookup.FindAsync(id) is { } connection ? TypedResults.Ok(connection) : TypedResults.NotFound();

    public static async Task<Results<Created<ProviderConnection>, ValidationProblem>> CreateConnection(
        ProviderConnectionRequest request, ClaimsPrincipal user, WorkspaceScope workspace, [AsParameters] ConnectionServices services,
        CancellationToken cancellationToken)
    {
        if (Validate(request) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors, title: "The connection cannot be saved");
        if (!await services.Egress.AllowsAsync(new Uri(Endpoint(request)), cancellationToken)) return ApiProblems.AddressNotAllowed("endpoint");

        var now = services.Time.GetUtcNow();
        var connection = new ProviderConnection
        {
            Id = "conn_" + Guid.NewGuid().ToString("N")[..16],
            WorkspaceId = workspace.Id,
            Name = request.Name.Trim(),
            Kind = request.Kind,
            Endpoint = Endpoint(request),
            Organization = Optional(request.Organization),
            Project = Optional(request.Project),
            CreatedBy = user.UserId(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var saved = await services.Store.SaveAsync(connection, string.IsNullOrEmpty(request.ApiKey) ? null : services.Protector.Protect(request.ApiKey));
        await services.Audit.RecordAsync(saved.WorkspaceId, user, AuditAction.ConnectionCreated, "connection", saved.Id, saved.Name,
            $"{saved.Kind} at {saved.Endpoint}{(string.IsNullOrEmpty(request.ApiKey) ? ", no key" : ", with a key")}");
        return TypedResults.Created($"/api/connections/{saved.Id}", saved);
    }

    public static async Task<Results<Ok<ProviderConnection>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> UpdateConnection(
        string id, ProviderConnectionRequest request, ClaimsPrincipal user, [AsParameters] ConnectionServices services, CancellationToken cancellationToken)
    {
        if (ProviderConnection.IsServer(id)) return ServerNotEditable();
        if (await services.Store.GetWithProtectedKeyAsync(id) is not { } stored) return TypedResults.NotFound();
        if (Validate(request) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors, title: "The connection cannot be saved");
        if (!await services.Egress.AllowsAsync(new Uri(Endpoint(request)), cancellationToken)) return ApiProblems.AddressNotAllowed("endpoint");

        var protectedKey = request.ApiKey switch
        {
            null => stored.ProtectedKey,
            "" => null,
            var apiKey => services.Protector.Protect(apiKey),
        };
        var updated = stored.Connection with
        {
            Name = request.Name.Trim(),
            Kind = request.Kind,
            Endpoint = Endpoint(request),
            Organization = Optional(request.Organization),
            Project = Optional(request.Project),
            UpdatedAt = services.Time.GetUtcNow(),
        };
        var saved = await services.Store.SaveAsync(updated, protectedKey);
        await services.Audit.RecordAsync(saved.WorkspaceId, user, AuditAction.ConnectionUpdated, "connection", saved.Id, saved.Name,
            $"{saved.Kind} at {saved.Endpoint}, key {request.ApiKey switch { null => "kept", "" => "removed", _ => "replaced" }}");
        return TypedResults.Ok(saved);
    }

    public static async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> DeleteConnection(
        string id, ClaimsPrincipal user, [AsParameters] ConnectionServices services)
    {
        if (ProviderConnection.IsServer(id)) return ServerNotEditable();
        if (await services.Store.GetAsync(id) is not { } connection) return TypedResults.NotFound();

        // Their next poll, cancel or results would have nowhere to go.
        var activeJobs = new List<string>();
        foreach (var jobId in await services.Jobs.ActiveJobIdsAsync())
        {
            if (await services.Jobs.GetAsync(jobId) is { } job && job.ConnectionId == id) activeJobs.Add(job.Id);
        }
        if (activeJobs.Count > 0)
        {
            return ApiProblems.Conflict("The connection is in use",
                $"{activeJobs.Count} active job(s) run on this connection ({string.Join(", ", activeJobs.Take(10))}). "
                + "Cancel them or wait until they finish, then delete it.");
        }
        await services.Store.DeleteAsync(connection);
        await services.Audit.RecordAsync(connection.WorkspaceId, user, AuditAction.ConnectionDeleted, "connection", connection.Id, connection.Name);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ConnectionTestResult>, NotFound>> TestConnection(
        string id, ClaimsPrincipal user, [AsParameters] ConnectionServices services, CancellationToken cancellationToken)
    {
        if (await services.Lookup.WorkspaceOfAsync(id) is not { } workspaceId) return TypedResults.NotFound();
        if (await services.Connections.TestAsync(id, workspaceId, TestTimeout, cancellationToken) is not { } result) return TypedResults.NotFound();
        await services.Audit.RecordAsync(workspaceId, user, AuditAction.ConnectionTested, "connection", id, (await services.Lookup.FindAsync(id))?.Name,
            result.Ok ? $"answered in {result.ElapsedMs} ms" : $"failed: {result.Message}");
        return TypedResults.Ok(result);
    }

    private static string Endpoint(ProviderConnectionRequest request) => request.Endpoint.Trim().TrimEnd('/');

    private static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Dictionary<string, string[]> Validate(ProviderConnectionRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["Name the connection, e.g. \"OpenAI production\"."];
        else if (request.Name.Length > 100) errors["name"] = ["Use at most 100 characters."];
        if (!ProviderConnectionKind.All.Contains(request.Kind))
            errors["kind"] = [$"Choose one of: {string.Join(", ", ProviderConnectionKind.All)}."];
        if (!Uri.TryCreate(request.Endpoint?.Trim(), UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            errors["endpoint"] = ["Enter the provider's absolute http(s) URL including /v1, e.g. https://api.openai.com/v1 or https://NAME.openai.azure.com/openai/v1."];
        if (request.ApiKey is { Length: > 4096 }) errors["apiKey"] = ["A key has at most 4096 characters."];
        if (request.Organization is { Length: > 200 }) errors["organization"] = ["Use at most 200 characters."];
        if (request.Project is { Length: > 200 }) errors["project"] = ["Use at most 200 characters."];
        return errors;
    }

    private static Conflict<ProblemDetails> ServerNotEditable() => ApiProblems.Conflict(
        "The server connection is configured, not editable",
        "It comes from the server's FineTune:Provider settings. Add a connection of your own to use another endpoint or key.");
}

public sealed record ConnectionServices(
    ProviderConnections Connections,
    ConnectionLookup Lookup,
    ConnectionStore Store,
    ConnectionKeyProtector Protector,
    EgressPolicy Egress,
    JobStore Jobs,
    TimeProvider Time,
    AuditLog Audit);
