using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FineTune.Bench;

// A service's own metrics (the Meter the Aspire dashboard shows, e.g. FineTune.Web), read from its process as
// dotnet-counters reads them: an EventPipe session on the runtime's System.Diagnostics.Metrics event source, which
// aggregates each instrument over every interval and publishes the aggregate. A benchmark prints them beside its own
// figures for the same quantities, so the dashboard's numbers can be read against the benchmark's.
public sealed class ServiceMetrics : IAsyncDisposable
{
    // What the event source published for one instrument (and one set of tags) over one interval. For a counter, Delta
    // is what was added in the interval; for a histogram, Count and Sum of its measurements and their 0.5/0.95/0.99
    // quantiles (the event source's own estimate, within a small relative error).
    public sealed record Interval(string Instrument, string Tags, double Delta, long Count, double Sum, IReadOnlyDictionary<double, double> Quantiles);

    private readonly string _sessionId = Guid.NewGuid().ToString("N");
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly List<Interval> _intervals = [];
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServiceMetrics(int processId, string meter, TimeSpan interval)
    {
        var arguments = new Dictionary<string, string>
        {
            ["SessionId"] = _sessionId,
            ["Metrics"] = meter,
            ["RefreshInterval"] = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = "1000",
            ["MaxHistograms"] = "100",
        };
        // Keyword 0x2: the time series values (not the instruments' enumeration).
        var provider = new EventPipeProvider("System.Diagnostics.Metrics", EventLevel.Informational, 0x2, arguments);
        _session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false);
        _source = new EventPipeEventSource(_session.EventStream);
        _source.Dynamic.All += OnEvent;
        _reading = Task.Run(_source.Process);
    }

    // Everything published so far; a caller keeps the count to read what came after.
    public IReadOnlyList<Interval> Intervals
    {
        get
        {
            lock (_intervals) return _intervals.ToList();
        }
    }

    // Waits for intervals until what they hold satisfies done (the service's count has caught up with the benchmark's).
    public async Task UntilAsync(Func<IReadOnlyList<Interval>, bool> done, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_intervals)
            {
                if (done(_intervals)) return;
                next = _published.Task;
            }
            await next.WaitAsync(cancel.Token);
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.PayloadByName("sessionId") as string != _sessionId) return;
        var interval = e.EventName switch
        {
            "CounterRateValuePublished" or "UpDownCounterRateValuePublished" =>
                new Interval(Name(e), Tags(e), Number(e, "rate"), 0, 0, new Dictionary<double, double>()),
            "HistogramValuePublished" => new Interval(Name(e), Tags(e), 0, (long)Number(e, "count"), Number(e, "sum"), Quantiles(e)),
            "Error" or "MultipleSessionsNotSupportedError" or "MultipleSessionsConfiguredIncorrectlyError" =>
                throw new InvalidOperationException($"The service's metrics cannot be read: {e}"),
            _ => null,
        };
        if (interval is null) return;
        lock (_intervals)
        {
            _intervals.Add(interval);
            _published.TrySetResult();
            _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private static string Name(TraceEvent e) => (string)e.PayloadByName("instrumentName");

    private static string Tags(TraceEvent e) => e.PayloadByName("tags") as string ?? "";

    private static double Number(TraceEvent e, string field) => e.PayloadByName(field) switch
    {
        string text when text.Length > 0 => double.Parse(text, CultureInfo.InvariantCulture),
        IConvertible number => number.ToDouble(CultureInfo.InvariantCulture),
        _ => 0,
    };

    // "0.5=1.2;0.95=3.4;0.99=5.6", in the invariant culture.
    private static Dictionary<double, double> Quantiles(TraceEvent e) =>
        ((string)e.PayloadByName("quantiles")).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .ToDictionary(pair => double.Parse(pair[0], CultureInfo.InvariantCulture), pair => double.Parse(pair[1], CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await _session.StopAsync(CancellationToken.None);
        await _reading;
        _source.Dispose();
        _session.Dispose();
    }
}
