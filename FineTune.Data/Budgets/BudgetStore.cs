using System.Globalization;
using StackExchange.Redis;

namespace FineTune.Data;

// A workspace's monthly budgets; null means none.
public sealed record MonthlyBudget(long? TrainedTokens, decimal? Cost);

// Budgets and usage per workspace. Usage is a hash per month (UTC) of the estimated trained tokens and
// cost (in millionths of a dollar, so HINCRBY stays exact) of the jobs launched that month. A launch
// checks and counts in one optimistic transaction, so two launches at once cannot both slip under a
// budget that only one of them fits.
public sealed class BudgetStore(IConnectionMultiplexer redis, TimeProvider time)
{
    private const string TokensField = "trainedTokens";
    private const string CostField = "costMicros";
    private const decimal Micros = 1_000_000m;

    private IDatabase Db => redis.GetDatabase();

    public async Task<MonthlyBudget> GetBudgetAsync(string workspaceId)
    {
        var values = await Db.HashGetAsync(RedisKeys.WorkspaceBudget(workspaceId), [TokensField, "cost"]);
        return new MonthlyBudget(
            values[0].IsNull ? null : (long)values[0],
            values[1].IsNull ? null : decimal.Parse(values[1].ToString(), CultureInfo.InvariantCulture));
    }

    public async Task SetBudgetAsync(string workspaceId, MonthlyBudget budget)
    {
        var key = RedisKeys.WorkspaceBudget(workspaceId);
        var transaction = Db.CreateTransaction();
        _ = budget.TrainedTokens is { } tokens ? transaction.HashSetAsync(key, TokensField, tokens) : transaction.HashDeleteAsync(key, TokensField);
        _ = budget.Cost is { } cost
            ? transaction.HashSetAsync(key, "cost", cost.ToString(CultureInfo.InvariantCulture))
            : transaction.HashDeleteAsync(key, "cost");
        await transaction.ExecuteAsync();
    }

    public async Task<BudgetUsage> UsageAsync(string workspaceId)
    {
        var month = CurrentMonth();
        var values = await Db.HashGetAsync(RedisKeys.WorkspaceUsage(workspaceId, month), [TokensField, CostField]);
        return new BudgetUsage(month, values[0].IsNull ? 0 : (long)values[0], (values[1].IsNull ? 0 : (long)values[1]) / Micros);
    }

    // Counts a job against this month's usage, unless that would exceed a budget: then nothing is
    // counted and Reason says which budget, the usage so far and the job's estimate. A job whose cost
    // is unknown (no price for its model) is over a cost budget, since nobody can tell it fits.
    public async Task<(BudgetCharge? Charge, string? Reason)> TryChargeAsync(string workspaceId, string model, long trainedTokens, decimal? cost)
    {
        var month = CurrentMonth();
        var key = RedisKeys.WorkspaceUsage(workspaceId, month);
        while (true)
        {
            var budget = await GetBudgetAsync(workspaceId);
            var values = await Db.HashGetAsync(key, [TokensField, CostField]);
            var usedTokens = values[0].IsNull ? 0 : (long)values[0];
            var usedCost = (values[1].IsNull ? 0 : (long)values[1]) / Micros;

            var reasons = new List<string>();
            if (budget.TrainedTokens is { } tokenBudget && usedTokens + trainedTokens > tokenBudget)
            {
                reasons.Add(Invariant($"It would train about {trainedTokens:N0} tokens; the workspace has used {usedTokens:N0} ")
                    + Invariant($"of its monthly budget of {tokenBudget:N0} training tokens in {month}."));
            }
            if (budget.Cost is { } costBudget)
            {
                if (cost is null) reasons.Add(Invariant($"No price is known for {model}, so its cost cannot be checked against the monthly cost budget of ${costBudget:N2}."));
                else if (usedCost + cost > costBudget)
                    reasons.Add(Invariant($"It would cost about ${cost:N2}; the workspace has used ${usedCost:N2} of its monthly budget of ${costBudget:N2} in {month}."));
            }
            if (reasons.Count > 0) return (null, string.Join(" ", reasons));

            var charge = new BudgetCharge(workspaceId, month, trainedTokens, ToMicros(cost));
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(values[0].IsNull ? Condition.HashNotExists(key, TokensField) : Condition.HashEqual(key, TokensField, values[0]));
            transaction.AddCondition(values[1].IsNull ? Condition.HashNotExists(key, CostField) : Condition.HashEqual(key, CostField, values[1]));
            _ = transaction.HashIncrementAsync(key, TokensField, charge.TrainedTokens);
            _ = transaction.HashIncrementAsync(key, CostField, charge.CostMicros);
            if (await transaction.ExecuteAsync()) return (charge, null);
        }
    }

    // Counts a job whatever the budgets say: an owner approved it.
    public async Task<BudgetCharge> ChargeAsync(string workspaceId, long trainedTokens, decimal? cost)
    {
        var charge = new BudgetCharge(workspaceId, CurrentMonth(), trainedTokens, ToMicros(cost));
        await AddAsync(charge, 1);
        return charge;
    }

    // Gives a charge back: the provider refused the job, so it was never launched.
    public Task RefundAsync(BudgetCharge charge) => AddAsync(charge, -1);

    private async Task AddAsync(BudgetCharge charge, int sign)
    {
        var key = RedisKeys.WorkspaceUsage(charge.WorkspaceId, charge.Month);
        var transaction = Db.CreateTransaction();
        _ = transaction.HashIncrementAsync(key, TokensField, sign * charge.TrainedTokens);
        _ = transaction.HashIncrementAsync(key, CostField, sign * charge.CostMicros);
        await transaction.ExecuteAsync();
    }

    private string CurrentMonth() => time.GetUtcNow().ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static long ToMicros(decimal? cost) => (long)Math.Round((cost ?? 0) * Micros);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
