using System.Globalization;

namespace FineTune.Contracts;

// A checkpoint the provider kept of a job: a model that can be used like the final one.
public sealed record JobCheckpoint(
    string Id,
    DateTimeOffset CreatedAt,
    string FineTunedModelCheckpoint,
    int StepNumber,
    JobCheckpointMetrics Metrics);

public sealed record JobCheckpointMetrics(
    double? TrainLoss,
    double? TrainMeanTokenAccuracy,
    double? ValidLoss,
    double? ValidMeanTokenAccuracy,
    double? FullValidLoss,
    double? FullValidMeanTokenAccuracy);

public sealed record JobCheckpointList(IReadOnlyList<JobCheckpoint> Data);

// The parts of a provider's job object that FineTune reads besides ProviderJob: what "auto" became,
// the result files, the expected end and the metadata.
public sealed record ProviderJobDetails(
    JobHyperparameters? Hyperparameters,
    IReadOnlyList<string> ResultFiles,
    DateTimeOffset? EstimatedFinish,
    IReadOnlyDictionary<string, string>? Metadata);

// A job's results file (CSV, one row per step), parsed. Columns vary by provider and method, so they
// are kept as the file names them; an empty cell is null.
public sealed record JobResults(string FileId, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<double?>> Rows)
{
    public static JobResults Parse(string fileId, string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return new JobResults(fileId, [], []);
        var columns = lines[0].Split(',').Select(column => column.Trim()).ToList();
        var rows = lines.Skip(1)
            .Select(line => (IReadOnlyList<double?>)line.Split(',').Take(columns.Count).Select(ParseCell).ToList())
            .ToList();
        return new JobResults(fileId, columns, rows);
    }

    private static double? ParseCell(string cell) =>
        double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
}

public static class ProviderJobDetailsMapping
{
    // The job's record after the provider said what "auto" became and when it expects to finish.
    public static FineTuneJob WithProviderDetails(this FineTuneJob job, ProviderJobDetails details) => job with
    {
        ResolvedHyperparameters = details.Hyperparameters ?? job.ResolvedHyperparameters,
        EstimatedFinish = JobStatus.IsTerminal(job.Status) ? null : details.EstimatedFinish,
        ResultFiles = details.ResultFiles.Count > 0 ? details.ResultFiles : job.ResultFiles,
        Metadata = job.Metadata ?? details.Metadata,
    };
}

// A model the provider lists on /v1/models, with the shutdown_date the provider announced for it, if any.
public sealed record ProviderModel(string Id, DateTimeOffset CreatedAt, string OwnedBy, DateOnly? ShutdownDate = null);
