using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.Hosting;

// A histogram of durations in seconds. OpenTelemetry's default buckets (0, 5, 10, 25, ... 10000) suit milliseconds and
// would put every FineTune duration in the first one; these are the buckets ASP.NET Core gives http.server.request.duration.
public static class SecondsHistogram
{
    private static readonly InstrumentAdvice<double> Buckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    public static Histogram<double> Create(Meter meter, string name, string description) =>
        meter.CreateHistogram(name, "s", description, tags: null, Buckets);
}
