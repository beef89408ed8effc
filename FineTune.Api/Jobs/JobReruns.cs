using System.Globalization;
using System.Security.Claims;

namespace FineTune.Api.Jobs;

// Runs a job again elsewhere: the same dataset versions and method type, the original's resolved hyperparameters (else the
// ones it chose), its seed and its suffix, on another connection and base model, each of them overridable. This is how a
// team moves a job off a provider that stops fine-tuning, a job imported from a bundle above all. The preview is the create
// request it would make, what differs from the original and what the target cannot take; the re-run is that request made
// by JobCreator (checks, idempotency, budget, audit), with the original kept on the new job.
public sealed class JobReruns(ProviderConnections connections, JobCreator creator)
{
    // The key the re-run's provider job carries, so it can be traced to its original there too.
    public const string RerunOfMetadataKey = "rerun_of";

    public async Task<JobOutcome> PreviewAsync(FineTuneJob original, RerunJobRequest request)
    {
        if (string.IsNullOrEmpty(original.TrainingDatasetId)) return new JobOutcome.NoDatasets(original);
        if (await connections.FindAsync(request.ConnectionId, original.WorkspaceId) is not { } target)
            return new JobOutcome.Refused(new() { ["connectionId"] = [$"There is no connection {request.ConnectionId}."] });

        var create = RequestFor(original, request);
        var problems = new Dictionary<string, string[]>();
        JobPlanner.CheckSuffixAndMetadata(create, problems);
        JobPlanner.CheckTarget(create, original.Method.Type, target.Kind, problems);
        var trainingTypes = target.Kind == ProviderConnectionKind.AzureOpenAI ? AzureTrainingTypes.All : [];
        return new JobOutcome.RerunPreviewed(new JobRerunPreview(create, await DifferencesAsync(original, create, target), problems, trainingTypes));
    }

    public async Task<JobOutcome> RerunAsync(
        FineTuneJob original, RerunJobRequest request, string? idempotencyKey, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var outcome = await PreviewAsync(original, request);
        if (outcome is not JobOutcome.RerunPreviewed { Preview: var preview }) return outcome;
        if (preview.Problems.Count > 0) return new JobOutcome.Refused(new(preview.Problems));
        return await creator.CreateAsync(preview.Request, original.Id, idempotencyKey, user, original.WorkspaceId, cancellationToken);
    }

    private static CreateJobRequest RequestFor(FineTuneJob original, RerunJobRequest request)
    {
        var overrides = request.Overrides;
        var resolved = original.ResolvedHyperparameters;
        var chosen = original.Method.Hyperparameters;
        var hyperparameters = new JobHyperparameters(
            overrides?.Hyperparameters?.NEpochs ?? resolved?.NEpochs ?? chosen?.NEpochs,
            overrides?.Hyperparameters?.BatchSize ?? resolved?.BatchSize ?? chosen?.BatchSize,
            overrides?.Hyperparameters?.LearningRateMultiplier ?? resolved?.LearningRateMultiplier ?? chosen?.LearningRateMultiplier);
        var metadata = new Dictionary<string, string>(original.Metadata ?? new Dictionary<string, string>()) { [RerunOfMetadataKey] = original.Id };
        return new CreateJobRequest(
            original.TrainingDatasetId,
            string.IsNullOrWhiteSpace(request.Model) ? original.Model : request.Model.Trim(),
            original.ValidationDatasetId,
            new JobMethod(original.Method.Type, hyperparameters),
            overrides?.Suffix is { } suffix ? (suffix.Length == 0 ? null : suffix) : original.Suffix,
            overrides?.Seed ?? original.Seed,
            request.ConnectionId,
            metadata,
            string.IsNullOrEmpty(overrides?.TrainingType) ? null : overrides.TrainingType);
    }

    // What the re-run changes, field by field; a hyperparameter the original left to the provider reads "auto".
    private async Task<IReadOnlyList<JobRerunDifference>> DifferencesAsync(FineTuneJob original, CreateJobRequest rerun, ProviderConnection target)
    {
        var differences = new List<JobRerunDifference>();
        void Compare(string field, string? was, string? willBe)
        {
            if (was != willBe) differences.Add(new JobRerunDifference(field, was, willBe));
        }

        var sameConnection = !original.IsFromBundle && (original.ConnectionId ?? ProviderConnection.ServerId) == target.Id;
        Compare("connection", sameConnection ? target.Name : await ConnectionNameAsync(original), target.Name);
        Compare("model", original.Model, rerun.Model);
        var was = original.ResolvedHyperparameters ?? original.Method.Hyperparameters;
        var willBe = rerun.Method!.Hyperparameters;
        Compare("nEpochs", Text(was?.NEpochs), Text(willBe?.NEpochs));
        Compare("batchSize", Text(was?.BatchSize), Text(willBe?.BatchSize));
        Compare("learningRateMultiplier", Text(was?.LearningRateMultiplier), Text(willBe?.LearningRateMultiplier));
        Compare("suffix", original.Suffix, rerun.Suffix);
        Compare("seed", original.Seed?.ToString(CultureInfo.InvariantCulture), rerun.Seed?.ToString(CultureInfo.InvariantCulture));
        Compare("trainingType", original.TrainingType, rerun.TrainingType);
        return differences;
    }

    private static string Text(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "auto";

    // A bundle's job ran on a provider this FineTune may not know: its kind and host say which.
    private async Task<string> ConnectionNameAsync(FineTuneJob original) => original.Bundle is { } bundle
        ? $"{bundle.ConnectionKind} at {bundle.EndpointHost}"
        : (await connections.FindAsync(original.ConnectionId, original.WorkspaceId))?.Name ?? original.ConnectionId ?? ProviderConnection.ServerName;
}
