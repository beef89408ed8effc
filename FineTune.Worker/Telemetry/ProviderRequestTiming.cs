using System.ClientModel.Primitives;
using System.Diagnostics;

namespace FineTune.Worker.Telemetry;

// Times every provider request by its answer's status, after the request budget let it go: the wait for a token
// is the Worker's own pacing, not the provider's.
public sealed class ProviderRequestTiming : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            ProcessNext(message, pipeline, currentIndex);
        }
        finally
        {
            Record(message, started);
        }
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline, currentIndex);
        }
        finally
        {
            Record(message, started);
        }
    }

    private static void Record(PipelineMessage message, long started)
    {
        var status = message.Response?.Status ?? 0;
        WorkerTelemetry.ProviderRequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("http.response.status_code", status));
    }
}
