using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Audit;

public static class AuditApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", GetAuditLog).WithName("GetAuditLog").WithTags("Audit")
            .WithSummary("The workspace's audit log, newest first: who created, changed, cancelled, paused, approved or deleted what, and when. "
                + "Filters: action (exact, or a prefix ending in '.' such as 'job.'), actorId, targetId, from, to; "
                + "page on with before=nextBefore of the previous page")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        return app;
    }

    public static async Task<Results<Ok<AuditPage>, ValidationProblem>> GetAuditLog(
        WorkspaceScope workspace,
        AuditLog audit,
        [FromQuery] string? action,
        [FromQuery] string? actorId,
        [FromQuery] string? targetId,
        [FromQuery] DateTimeOffset? from,
        [FromQuery] DateTimeOffset? to,
        [FromQuery] string? before,
        [FromQuery] int? limit)
    {
        var errors = new Dictionary<string, string[]>();
        AuditCursor? cursor = null;
        if (before is not null && !AuditCursor.TryParse(before, out cursor))
            errors["before"] = ["Pass the nextBefore of the previous page unchanged."];
        if (from > to) errors["from"] = ["from must not be after to."];
        if (limit is < 1 or > MaxPageSize) errors["limit"] = [$"Choose between 1 and {MaxPageSize}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Bad audit query");

        return TypedResults.Ok(await audit.QueryAsync(workspace.Id,
            new AuditQuery(action, actorId, targetId, from, to, cursor, limit ?? DefaultPageSize)));
    }
}
