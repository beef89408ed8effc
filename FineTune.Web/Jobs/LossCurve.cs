using System.Text.Json;

namespace FineTune.Web.Jobs;

// One step of a job's training curve. Valid loss comes every few steps, full valid loss at the end of each epoch.
public sealed record LossPoint(
    int Step,
    double TrainLoss,
    double? ValidLoss,
    double? FullValidLoss = null,
    double? TrainAccuracy = null,
    double? ValidAccuracy = null,
    double? FullValidAccuracy = null);

// The training curve of a job, from its "metrics" events: data { step, train_loss, train_mean_token_accuracy,
// valid_loss?, valid_mean_token_accuracy?, full_valid_loss?, full_valid_mean_token_accuracy?, total_steps }.
public sealed class LossCurve
{
    private readonly SortedList<int, LossPoint> _points = [];

    public IReadOnlyList<LossPoint> Points => _points.Values.AsReadOnly();

    public int? TotalSteps { get; private set; }

    public bool Add(JobEvent jobEvent)
    {
        if (TryRead(jobEvent, out var point, out var totalSteps))
        {
            _points[point.Step] = point;
            TotalSteps = totalSteps ?? TotalSteps;
            return true;
        }
        return false;
    }

    public static LossCurve From(IEnumerable<JobEvent> events)
    {
        var curve = new LossCurve();
        foreach (var jobEvent in events)
        {
            curve.Add(jobEvent);
        }
        return curve;
    }

    // The step with the lowest full validation loss, the usual pick among checkpoints.
    public static LossPoint? BestFullValid(IEnumerable<LossPoint> points) =>
        points.Where(p => p.FullValidLoss is not null).MinBy(p => p.FullValidLoss);

    public static bool TryRead(JobEvent jobEvent, out LossPoint point, out int? totalSteps)
    {
        point = default!;
        totalSteps = null;
        if (jobEvent.Type != "metrics" || jobEvent.Data is not { ValueKind: JsonValueKind.Object } data)
        {
            return false;
        }
        if (!TryNumber(data, "step", out var step) || !TryNumber(data, "train_loss", out var trainLoss))
        {
            return false;
        }
        totalSteps = Optional(data, "total_steps") is { } total ? (int)total : null;
        point = new LossPoint(
            (int)step,
            trainLoss,
            Optional(data, "valid_loss"),
            Optional(data, "full_valid_loss"),
            Optional(data, "train_mean_token_accuracy") ?? Optional(data, "train_accuracy"),
            Optional(data, "valid_mean_token_accuracy"),
            Optional(data, "full_valid_mean_token_accuracy"));
        return true;
    }

    private static double? Optional(JsonElement data, string name) => TryNumber(data, name, out var value) ? value : null;

    private static bool TryNumber(JsonElement data, string name, out double value)
    {
        value = 0;
        return data.TryGetProperty(name, out var property)
            && property.ValueKind == JsonValueKind.Number
            && property.TryGetDouble(out value)
            && double.IsFinite(value);
    }
}
