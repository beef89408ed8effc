using System.Text.Json;
using FineTune.Core.Jobs;

namespace FineTune.Web.Jobs;

public sealed record LossPoint(int Step, double TrainLoss, double? ValidLoss);

// The training curve of a job, from its "metrics" events: data { step, train_loss, valid_loss?, total_steps }.
public sealed class LossCurve
{
    private readonly SortedList<int, LossPoint> points = [];

    public IReadOnlyList<LossPoint> Points => points.Values.AsReadOnly();

    public int? TotalSteps { get; private set; }

    public bool Add(JobEvent jobEvent)
    {
        if (TryRead(jobEvent, out var point, out var totalSteps))
        {
            points[point.Step] = point;
            TotalSteps = totalSteps ?? TotalSteps;
            return true;
        }
        return false;
    }

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
        double? validLoss = TryNumber(data, "valid_loss", out var valid) ? valid : null;
        totalSteps = TryNumber(data, "total_steps", out var total) ? (int)total : null;
        point = new LossPoint((int)step, trainLoss, validLoss);
        return true;
    }

    private static bool TryNumber(JsonElement data, string name, out double value)
    {
        value = 0;
        return data.TryGetProperty(name, out var property)
            && property.ValueKind == JsonValueKind.Number
            && property.TryGetDouble(out value)
            && double.IsFinite(value);
    }
}
