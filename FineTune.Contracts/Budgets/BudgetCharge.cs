namespace FineTune.Contracts;

// What one job's launch added to a month's usage, kept with the job to give back if the provider refuses it
// or it is cancelled before it reaches the provider.
public sealed record BudgetCharge(string WorkspaceId, string Month, long TrainedTokens, long CostMicros);
