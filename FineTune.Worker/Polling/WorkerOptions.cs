
namespace FineTune.Worker.Polling;

// FineTune:Worker. Validated on start (see Extensions.AddWorkerServices).
public sealed class WorkerOptions
{
    public const string Section = "FineTune:Worker";

    // How often a running job is polled, and how often the set of active jobs is re-read.
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    // How often a job that is validating its files, queued or paused is polled: little changes there.
    public TimeSpan SlowPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    // Long enough to outlive a slow provider call; short enough that a dead worker's jobs move on soon.
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    // Jobs polled at the same time. A slow or backing-off job holds one slot, never all of them.
    public int MaxConcurrentPolls { get; set; } = 16;

    // The request budget of each provider connection: a token bucket refilled at RequestsPerSecond,
    // holding at most RequestBurst requests. Every call to the provider takes one token.
    public double RequestsPerSecond { get; set; } = 50;
    public int RequestBurst { get; set; } = 10;

    // Backoff of one job after a 5xx, a timeout or a dropped connection: the first delay, doubled at
    // each further failure up to the maximum, each drawn with jitter between half and all of it.
    public TimeSpan BackoffInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan BackoffMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    // One provider call that takes longer fails as a timeout (and the job backs off).
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    // How often the provider's job list is read to import the jobs created there outside FineTune.
    public TimeSpan ImportInterval { get; set; } = TimeSpan.FromMinutes(1);

    // A provider job younger than this is left for the next import: FineTune's Api may have created it
    // and not yet stored it (the Api records the provider job id just after the provider answers).
    public TimeSpan ImportGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    // Jobs asked for per page of the provider's job list.
    public int ImportPageSize { get; set; } = 100;

    public TimeSpan IntervalFor(string status) => status == JobStatus.Running ? PollInterval : SlowPollInterval;
}
