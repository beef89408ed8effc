using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Polling;

// One request budget per provider connection: each provider limits its own rate, so jobs on a busy
// connection never use up the requests of jobs on another. Kept by connection id, so an edited
// connection's new client keeps the budget its old one had.
public sealed class ConnectionRequestBudgets(IOptions<WorkerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RequestBudget> _budgets = new();

    public RequestBudget For(string connectionId) =>
        _budgets.GetOrAdd(connectionId, _ => new RequestBudget(options.Value.RequestsPerSecond, options.Value.RequestBurst, time));
}
