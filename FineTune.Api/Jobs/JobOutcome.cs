using System.ClientModel;

namespace FineTune.Api.Jobs;

// What a job workflow (JobCreator, JobApprovals, JobControl, JobArtifacts, JobReruns) came to. Each route maps the
// outcomes its workflow can reach to its own answers; the workflows never build HTTP answers.
public abstract record JobOutcome
{
    private JobOutcome() { }

    // Done: the job as it is now (created, pending approval, decided, cancelled, paused, resumed).
    public sealed record Succeeded(FineTuneJob Job) : JobOutcome;

    // No such job, or nothing of the kind yet (a job with no results file).
    public sealed record NotFound : JobOutcome;

    // The request cannot start a job: the reasons by field.
    public sealed record Refused(Dictionary<string, string[]> Reasons) : JobOutcome;

    // A dataset does not fit the job's method when checked for it: its errors by field. Nothing was sent to the provider.
    public sealed record DoesNotFitMethod(string Method, Dictionary<string, string[]> Reasons) : JobOutcome;

    // A decision was asked for a job that is not waiting for one. Decision is what was decided before, if anything.
    public sealed record NotPending(FineTuneJob Job, string? Decision) : JobOutcome;

    // An approved job cannot start: its dataset or its connection was deleted while it waited.
    public sealed record CannotStart : JobOutcome;

    // The job's provider connection was deleted, so the provider cannot be asked about it.
    public sealed record ConnectionGone(FineTuneJob Job) : JobOutcome;

    // The job was imported from a bundle: a record of a job that ran elsewhere, which no provider is asked about.
    public sealed record ReadOnly(FineTuneJob Job) : JobOutcome;

    // The job has no datasets in FineTune (a worker found it on the provider), so there is nothing to run again.
    public sealed record NoDatasets(FineTuneJob Job) : JobOutcome;

    // What a re-run would send, what differs from the original and what its target cannot take.
    public sealed record RerunPreviewed(JobRerunPreview Preview) : JobOutcome;

    public sealed record ProviderRefused(ClientResultException Error) : JobOutcome;

    public sealed record Checkpoints(IReadOnlyList<JobCheckpoint> Data) : JobOutcome;

    public sealed record ResultsFile(string FileId, BinaryData Content) : JobOutcome;
}
