
namespace FineTune.Api.Jobs;

// What a job would be before it is launched: "auto" resolved, tokens and cost estimated, and the
// request's own fields checked against the provider's limits.
public static class JobPlanner
{
    public const int MaxSuffixLength = 64;
    // Azure OpenAI allows a shorter suffix.
    public const int AzureMaxSuffixLength = 18;
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    public static JobEstimate Estimate(string model, DatasetRecord training, JobMethod? method, ModelCatalog catalog, TimeProvider time, DateOnly? fineTuningEnds)
    {
        var chosen = method?.Hyperparameters ?? new JobHyperparameters();
        var examples = training.Report.ExampleCount;
        var resolved = new JobHyperparameters(
            NEpochs: chosen.NEpochs ?? TrainingEstimate.DefaultEpochs(examples),
            BatchSize: chosen.BatchSize ?? TrainingEstimate.DefaultBatchSize(examples),
            LearningRateMultiplier: chosen.LearningRateMultiplier ?? TrainingEstimate.DefaultLearningRateMultiplier);
        var stepsPerEpoch = examples == 0 ? 0 : (examples + resolved.BatchSize!.Value - 1) / resolved.BatchSize.Value;
        var billable = training.Report.Tokens?.Billable ?? 0;

        var warnings = new List<string>();
        var entry = catalog.Find(model);
        var estimate = entry is null ? null : TrainingEstimate.Estimate(entry, examples, billable, resolved.NEpochs);
        if (entry is null) warnings.Add($"{model} is not in the model catalog: no price is known for it.");
        if (training.Report.Tokens is null) warnings.Add("The dataset report has no token counts; the estimate assumes none.");
        else if (training.Report.Tokens.ExamplesOverLimit > 0)
            warnings.Add($"{training.Report.Tokens.ExamplesOverLimit} examples exceed the context limit of {training.Report.Tokens.ContextLimit} tokens and will be truncated.");
        if (method?.Type is "dpo") warnings.Add("DPO is billed like supervised training here; the provider's price may differ.");
        if (fineTuningEnds is { } ends)
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            warnings.Add(today > ends
                ? $"The provider stopped accepting new fine-tuning jobs on {model} on {ends:yyyy-MM-dd}."
                : $"The provider accepts new fine-tuning jobs on {model} until {ends:yyyy-MM-dd}.");
        }

        return new JobEstimate(
            Model: model,
            ExampleCount: examples,
            Resolved: resolved,
            Chosen: chosen,
            StepsPerEpoch: stepsPerEpoch,
            TotalSteps: stepsPerEpoch * resolved.NEpochs!.Value,
            BillableTokensPerEpoch: billable,
            TrainedTokens: billable * resolved.NEpochs.Value,
            PricePerMillionTokens: estimate?.PricePerMillionTokens,
            Cost: estimate?.Cost,
            Currency: "USD",
            Warnings: warnings);
    }

    // Why a create request for a job of this method cannot start a job, by field; empty when it can. A dataset is
    // judged here by its report only when that was made for the job's method; JobCreator checks the others again.
    public static Dictionary<string, string[]> RefusalReasons(CreateJobRequest request, string method, DatasetRecord? training, DatasetRecord? validation)
    {
        var reasons = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) reasons["model"] = ["Choose a base model."];
        if (!TrainingMethods.IsKnown(method)) reasons["method"] = [TrainingMethods.UnknownMessage(method)];
        CheckSuffixAndMetadata(request, reasons);
        if (training is null) reasons["trainingDatasetId"] = [$"There is no dataset {request.TrainingDatasetId}."];
        else if (training.Report is { Valid: false } report && report.Method == method) reasons["trainingDatasetId"] = DatasetErrors(training.Name, report);
        if (request.ValidationDatasetId is not null)
        {
            if (validation is null) reasons["validationDatasetId"] = [$"There is no dataset {request.ValidationDatasetId}."];
            else if (validation.Report is { Valid: false } report && report.Method == method) reasons["validationDatasetId"] = DatasetErrors(validation.Name, report);
        }
        return reasons;
    }

    // The methods each kind of connection trains. OpenAI and Azure OpenAI train all three; the LocalProvider trains what its
    // trainer does (supervised and DPO). An OpenAI-compatible endpoint could be anything, so it is not listed: its provider
    // refuses what it cannot do, and the job fails with its words.
    private static readonly Dictionary<string, IReadOnlyList<string>> MethodsByKind = new(StringComparer.Ordinal)
    {
        [ProviderConnectionKind.OpenAI] = TrainingMethods.All,
        [ProviderConnectionKind.AzureOpenAI] = TrainingMethods.All,
        [ProviderConnectionKind.Local] = [TrainingMethods.Supervised, TrainingMethods.Dpo],
    };

    // What a connection of this kind cannot take, added to reasons by field: a method it does not train, a suffix longer
    // than Azure OpenAI allows, a training type anywhere but Azure OpenAI or not one of Azure's.
    public static void CheckTarget(CreateJobRequest request, string method, string connectionKind, Dictionary<string, string[]> reasons)
    {
        var azure = connectionKind == ProviderConnectionKind.AzureOpenAI;
        if (azure && request.Suffix is { Length: > AzureMaxSuffixLength } suffix)
            reasons["suffix"] = [$"Azure OpenAI takes a suffix of at most {AzureMaxSuffixLength} characters; \"{suffix}\" has {suffix.Length}."];
        if (request.TrainingType is { } trainingType)
        {
            if (!azure) reasons["trainingType"] = [$"Only Azure OpenAI connections take a training type; this connection is {connectionKind}."];
            else if (!AzureTrainingTypes.All.Contains(trainingType, StringComparer.Ordinal))
                reasons["trainingType"] = [$"The training type is {string.Join(", ", AzureTrainingTypes.All)}, not \"{trainingType}\"."];
        }
        if (MethodsByKind.TryGetValue(connectionKind, out var methods) && TrainingMethods.IsKnown(method) && !methods.Contains(method))
            reasons["method"] = [$"A {connectionKind} connection does not train {method}; it trains {string.Join(" and ", methods)}."];
    }

    // Why an estimate request cannot be estimated, by field; empty when it can.
    public static Dictionary<string, string[]> EstimateRefusalReasons(JobEstimateRequest request, DatasetRecord? training)
    {
        var reasons = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) reasons["model"] = ["Choose a base model."];
        if (training is null) reasons["trainingDatasetId"] = [$"There is no dataset {request.TrainingDatasetId}."];
        else if (!training.Report.Valid) reasons["trainingDatasetId"] = DatasetErrors(training.Name, training.Report);
        return reasons;
    }

    // The first errors of a dataset's report, each with its line and the field it is about.
    public static string[] DatasetErrors(string datasetName, DatasetReport report) =>
        report.Errors.Take(20).Select(error => error.Line > 0
            ? $"{datasetName} line {error.Line}{(error.Path is { Length: > 1 } path ? $" at {path}" : "")}: {error.Message} ({error.Code})"
            : $"{datasetName}: {error.Message} ({error.Code})").ToArray();

    public static void CheckSuffixAndMetadata(CreateJobRequest request, Dictionary<string, string[]> reasons, int maxSuffixLength = MaxSuffixLength)
    {
        if (request.Suffix is { } suffix && (suffix.Length is 0 || suffix.Length > maxSuffixLength))
            reasons["suffix"] = [$"The suffix must have 1 to {maxSuffixLength} characters; it has {suffix.Length}."];

        if (request.Metadata is not { Count: > 0 } metadata) return;
        var problems = new List<string>();
        if (metadata.Count > MaxMetadataPairs) problems.Add($"At most {MaxMetadataPairs} metadata pairs are allowed; there are {metadata.Count}.");
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 || key.Length > MaxMetadataKeyLength) problems.Add($"Metadata key '{key}' must have 1 to {MaxMetadataKeyLength} characters.");
            if (value is null || value.Length > MaxMetadataValueLength) problems.Add($"Metadata value of '{key}' must have at most {MaxMetadataValueLength} characters.");
        }
        if (problems.Count > 0) reasons["metadata"] = problems.ToArray();
    }
}
