using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace FineTune.IntegrationTests.Infrastructure;

// What the Aspire dashboard would get from FineTune's ActivitySources and Meters of the given names, recorded in this
// process as the services' code emits it: every span as it ends, every measurement with its tags. Listeners see the
// whole process, so a test class reads only instruments that no other test class drives in-process.
public sealed class TelemetryRecorder : IDisposable
{
    private readonly Channel<Activity> _spans = Channel.CreateUnbounded<Activity>();
    private readonly List<Activity> _ended = [];
    private readonly ConcurrentQueue<Measurement> _measurements = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public TelemetryRecorder(params string[] names)
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => names.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _spans.Writer.TryWrite(activity),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (names.Contains(instrument.Meter.Name)) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
    }

    public sealed record Measurement(string Name, double Value, Dictionary<string, object?> Tags);

    // The gauges report only when read.
    public void ReadGauges() => _meters.RecordObservableInstruments();

    public List<Measurement> Measured(string name) => _measurements.Where(m => m.Name == name).ToList();

    public double Sum(string name) => Measured(name).Sum(m => m.Value);

    // Reads the spans as they end until find finds something in all those ended so far.
    public async Task<T> UntilEndedAsync<T>(Func<List<Activity>, T?> find, string what, TimeSpan deadline) where T : class
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            while (find(_ended) is null) _ended.Add(await _spans.Reader.ReadAsync(timeout.Token));
            return find(_ended)!;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var seen = string.Join("\n", _ended.Select(s => $"{s.OperationName}: trace {s.TraceId}, span {s.SpanId}, parent {s.ParentSpanId}"));
            Assert.Fail($"No {what} within {deadline}. Spans ended:\n{seen}");
            throw;
        }
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct, IConvertible =>
        _measurements.Enqueue(new Measurement(instrument.Name, value.ToDouble(CultureInfo.InvariantCulture), new Dictionary<string, object?>(tags.ToArray())));
}
