namespace FineTune.Contracts;

// POST /api/jobs/{id}/rerun and /rerun/preview: the job run again on another connection (null: the server's own) and,
// when given, another base model (e.g. an Azure OpenAI deployment or a successor model).
public sealed record RerunJobRequest(string? ConnectionId, string? Model = null, JobRerunOverrides? Overrides = null);

// What the re-run changes from the original; null keeps the original's. A hyperparameter overrides its own field only.
// Suffix "" drops the original's suffix (one too long for Azure, say). TrainingType only for Azure OpenAI connections.
public sealed record JobRerunOverrides(JobHyperparameters? Hyperparameters = null, string? Suffix = null, int? Seed = null, string? TrainingType = null);

// What a re-run would send and what stands in its way: the create request, each field that differs from the original,
// the fields the target cannot take (by field, as a 400 would name them), and the training types the target offers
// (Azure's; empty for any other connection).
public sealed record JobRerunPreview(
    CreateJobRequest Request,
    IReadOnlyList<JobRerunDifference> Differences,
    IReadOnlyDictionary<string, string[]> Problems,
    IReadOnlyList<string> TrainingTypes);

public sealed record JobRerunDifference(string Field, string? Original, string? Rerun);

// Azure OpenAI's "trainingType" of a fine-tuning job: where it trains (one region, any region, or cheap and preemptible).
public static class AzureTrainingTypes
{
    public const string Standard = "standard";
    public const string GlobalStandard = "globalstandard";
    public const string Developer = "developer";

    public static readonly IReadOnlyList<string> All = [Standard, GlobalStandard, Developer];

    // As Azure's portal names them.
    public static string DisplayName(string type) => type switch
    {
        Standard => "Standard",
        GlobalStandard => "Global",
        Developer => "Developer",
        _ => type,
    };
}
