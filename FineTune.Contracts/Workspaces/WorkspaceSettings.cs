namespace FineTune.Contracts;

// GET /api/workspaces/{id}/settings. A budget of null means none. The webhook URL is a secret and is
// never returned; WebhookConfigured says whether one is set.
public sealed record WorkspaceSettings(
    long? MonthlyTokenBudget,
    decimal? MonthlyCostBudget,
    bool WebhookConfigured,
    BudgetUsage Usage);

// What the workspace's jobs launched this month (UTC, "yyyy-MM") were estimated to train and cost,
// counted when each was sent to the provider.
public sealed record BudgetUsage(string Month, long TrainedTokens, decimal Cost);

// PUT /api/workspaces/{id}/settings. The budgets are replaced (null removes one); WebhookUrl null keeps
// the current webhook, "" removes it.
public sealed record UpdateWorkspaceSettingsRequest(long? MonthlyTokenBudget, decimal? MonthlyCostBudget, string? WebhookUrl);

// POST /api/workspaces/{id}/webhook/test: what the receiver answered to a test message.
public sealed record WebhookTestResult(bool Delivered, int? StatusCode, string? Error);
