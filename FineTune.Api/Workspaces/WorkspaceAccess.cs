using System.Diagnostics;
using System.Security.Claims;
using FineTune.Api.Accounts;

namespace FineTune.Api.Workspaces;

// The workspace a collection route (list, create) works in: the one the FineTune-Workspace header
// names, or the caller's default workspace. Role is null when the caller does not belong to it; the
// route's RequireWorkspaceRole filter then answers 404 before the handler runs.
public sealed record WorkspaceScope(string Id, WorkspaceRole? Role)
{
    public const string Header = "FineTune-Workspace";

    public static async ValueTask<WorkspaceScope> BindAsync(HttpContext context) =>
        await context.RequestServices.GetRequiredService<WorkspaceAccess>().CurrentAsync(context);
}

// The caller's roles, read once per request.
public sealed class WorkspaceAccess(WorkspaceStore workspaces)
{
    private IReadOnlyDictionary<string, WorkspaceRole>? _roles;
    private WorkspaceScope? _current;

    public async Task<WorkspaceRole?> RoleAsync(ClaimsPrincipal user, string workspaceId)
    {
        _roles ??= await workspaces.RolesOfUserAsync(user.UserId());
        return _roles.TryGetValue(workspaceId, out var role) ? role : null;
    }

    public async Task<WorkspaceScope> CurrentAsync(HttpContext context)
    {
        if (_current is not null) return _current;
        var id = context.Request.Headers[WorkspaceScope.Header].ToString();
        if (string.IsNullOrEmpty(id)) id = context.User.FindFirstValue(ApiTokenAuthentication.DefaultWorkspaceClaim) ?? "";
        return _current = new WorkspaceScope(id, await RoleAsync(context.User, id));
    }
}

// Every route that touches workspace data declares the least role it needs, in its route table:
// .RequireWorkspaceRole(role) for collection routes, .RequireRoleOn(role, ...) for routes about one
// thing, whose workspace is the thing's own. Not belonging to the workspace, and asking for something
// that does not exist, get the same empty 404, so no answer tells anything about other workspaces.
public static class WorkspaceAuthorization
{
    public static RouteHandlerBuilder RequireWorkspaceRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireAuthorization().WithMetadata(new RequiredWorkspaceRole(role)).AddEndpointFilter(async (context, next) =>
        {
            var access = context.HttpContext.RequestServices.GetRequiredService<WorkspaceAccess>();
            var scope = await access.CurrentAsync(context.HttpContext);
            return Deny(scope.Role, role) ?? await InWorkspaceAsync(context, next, scope.Id);
        });

    // workspaceOf finds the workspace of the thing the route value names, or null when there is no such thing.
    public static RouteHandlerBuilder RequireRoleOn<TStore>(
        this RouteHandlerBuilder builder, WorkspaceRole role, string routeValue, Func<TStore, string, Task<string?>> workspaceOf)
        where TStore : notnull =>
        builder.RequireAuthorization().WithMetadata(new RequiredWorkspaceRole(role)).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var id = http.GetRouteValue(routeValue)?.ToString();
            var workspaceId = id is null ? null : await workspaceOf(http.RequestServices.GetRequiredService<TStore>(), id);
            if (workspaceId is null) return TypedResults.NotFound();
            var actual = await http.RequestServices.GetRequiredService<WorkspaceAccess>().RoleAsync(http.User, workspaceId);
            return Deny(actual, role) ?? await InWorkspaceAsync(context, next, workspaceId);
        });

    // The handler's logs carry the workspace (a log scope) and so does its request span, so the dashboard filters by it.
    private static async ValueTask<object?> InWorkspaceAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string workspaceId)
    {
        Activity.Current?.SetTag("finetune.workspace.id", workspaceId);
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WorkspaceAuthorization));
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = workspaceId });
        return await next(context);
    }

    private static IResult? Deny(WorkspaceRole? actual, WorkspaceRole needed) => actual switch
    {
        null => TypedResults.NotFound(),
        var role when role < needed => TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Not allowed",
            detail: $"This needs the {Name(needed)} role in the workspace; you are a {Name(role.Value)}."),
        _ => null,
    };

    private static string Name(WorkspaceRole role) => role.ToString().ToLowerInvariant();
}

// Endpoint metadata: the least role a route needs (read by the OpenAPI document and the tests).
public sealed record RequiredWorkspaceRole(WorkspaceRole Role);
