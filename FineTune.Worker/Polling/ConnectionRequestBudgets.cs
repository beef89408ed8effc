using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Polling;

// One request budget per provider connection: each provider limits its own rate, so jobs on a busy
// connection never use up the requests of jobs on another. Kept by connection id, so an edited
// connection's new client keeps the budget its old one had.
public sealed class ConnectionRequestBudgets
{
    private readonly ConcurrentDictionary<string, RequestBudget> _budgets = new();
    private readonly IOptions<WorkerOptions> _options;
    private readonly TimeProvider _time;

    public ConnectionRequestBudgets(IOptions<WorkerOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        WorkerTelemetry.ObserveRequestBudgets(() => _budgets.Select(budget =>
            new Measurement<double>(budget.Value.TokensLeft, new KeyValuePair<string, object?>("finetune.connection.id", budget.Key))));
    }

    public RequestBudget For(string connectionId) =>
        _budgets.GetOrAdd(connectionId, _ => new RequestBudget(_options.Value.RequestsPerSecond, _options.Value.RequestBurst, _time));
}
