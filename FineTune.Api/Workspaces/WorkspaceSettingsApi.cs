using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Workspaces;

// A workspace's monthly budgets (over them, a launch waits for an owner's approval), this month's
// usage, and its webhook for Slack or Teams.
public static class WorkspaceSettingsApi
{
    public static IEndpointRouteBuilder MapWorkspaceSettingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/workspaces").WithTags("Workspaces").RequireAuthorization();
        api.MapGet("/{workspaceId}/settings", GetWorkspaceSettings).WithName("GetWorkspaceSettings")
            .WithSummary("The monthly training-token and cost budgets, this month's usage, and whether a webhook is set (its URL is never shown)")
            .RequireRoleOnWorkspace(WorkspaceRole.Viewer);
        api.MapPut("/{workspaceId}/settings", UpdateWorkspaceSettings).WithName("UpdateWorkspaceSettings")
            .WithSummary("Set the budgets (null: none) and the webhook URL (null: keep it, \"\": remove it)")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        api.MapPost("/{workspaceId}/webhook/test", TestWebhook).WithName("TestWebhook")
            .WithSummary("Post a test message to the workspace's webhook and report what the receiver answered")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        return app;
    }

    public static async Task<Ok<WorkspaceSettings>> GetWorkspaceSettings(string workspaceId, [AsParameters] WorkspaceServices services) =>
        TypedResults.Ok(await ReadAsync(workspaceId, services));

    public static async Task<Results<Ok<WorkspaceSettings>, ValidationProblem>> UpdateWorkspaceSettings(
        string workspaceId, UpdateWorkspaceSettingsRequest request, ClaimsPrincipal user, [AsParameters] WorkspaceServices services,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.MonthlyTokenBudget is <= 0) errors["monthlyTokenBudget"] = ["Give a number of training tokens above 0, or null for no token budget."];
        if (request.MonthlyCostBudget is <= 0) errors["monthlyCostBudget"] = ["Give an amount in USD above 0, or null for no cost budget."];
        if (request.WebhookUrl is { Length: > 0 } url
            && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            errors["webhookUrl"] = ["Paste the incoming-webhook URL from Slack or Teams (https://...), or \"\" to remove the webhook."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The settings cannot be saved");
        if (request.WebhookUrl is { Length: > 0 } webhookUrl && !await services.Egress.AllowsAsync(new Uri(webhookUrl), cancellationToken))
            return ApiProblems.AddressNotAllowed("webhookUrl");

        var before = await services.Budgets.GetBudgetAsync(workspaceId);
        var changes = new List<string>();
        if (before.TrainedTokens != request.MonthlyTokenBudget)
            changes.Add($"monthly token budget {Tokens(before.TrainedTokens)} → {Tokens(request.MonthlyTokenBudget)}");
        if (before.Cost != request.MonthlyCostBudget)
            changes.Add($"monthly cost budget {Cost(before.Cost)} → {Cost(request.MonthlyCostBudget)}");
        await services.Budgets.SetBudgetAsync(workspaceId, new MonthlyBudget(request.MonthlyTokenBudget, request.MonthlyCostBudget));

        switch (request.WebhookUrl)
        {
            case null:
                break;
            case "":
                if (await services.Webhooks.IsConfiguredAsync(workspaceId)) changes.Add("webhook removed");
                await services.Webhooks.RemoveAsync(workspaceId);
                break;
            default:
                changes.Add(await services.Webhooks.IsConfiguredAsync(workspaceId) ? "webhook replaced" : "webhook set");
                await services.Webhooks.SetUrlAsync(workspaceId, request.WebhookUrl);
                break;
        }

        if (changes.Count > 0)
        {
            var name = (await services.Workspaces.GetAsync(workspaceId))?.Name;
            await services.Audit.RecordAsync(workspaceId, user, AuditAction.WorkspaceSettingsChanged, "workspace", workspaceId, name, string.Join("; ", changes));
        }
        return TypedResults.Ok(await ReadAsync(workspaceId, services));
    }

    public static async Task<Results<Ok<WebhookTestResult>, Conflict<ProblemDetails>>> TestWebhook(
        string workspaceId, ClaimsPrincipal user, [AsParameters] WorkspaceServices services, CancellationToken cancellationToken)
    {
        if (await services.Webhooks.GetUrlAsync(workspaceId) is not { } url)
        {
            return ApiProblems.Conflict("No webhook is set", "Save an incoming-webhook URL in the workspace's settings first.");
        }
        var name = (await services.Workspaces.GetAsync(workspaceId))?.Name ?? workspaceId;
        var result = await services.WebhookSender.SendAsync(url,
            $"[{name}] A test message from FineTune, sent by {user.Identity?.Name}: job notifications will arrive here.", cancellationToken);
        return TypedResults.Ok(new WebhookTestResult(result.Delivered, result.StatusCode, result.Error));
    }

    private static async Task<WorkspaceSettings> ReadAsync(string workspaceId, WorkspaceServices services)
    {
        var budget = await services.Budgets.GetBudgetAsync(workspaceId);
        return new WorkspaceSettings(budget.TrainedTokens, budget.Cost, await services.Webhooks.IsConfiguredAsync(workspaceId), await services.Budgets.UsageAsync(workspaceId));
    }

    private static string Tokens(long? tokens) => tokens?.ToString("N0", CultureInfo.InvariantCulture) ?? "none";

    private static string Cost(decimal? cost) => cost is { } value ? "$" + value.ToString("N2", CultureInfo.InvariantCulture) : "none";
}
