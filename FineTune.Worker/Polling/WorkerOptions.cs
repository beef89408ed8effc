using System.ComponentModel.DataAnnotations;

namespace FineTune.Worker.Polling;

// FineTune:Worker, validated on start: each setting by its annotation, the settings that depend on one
// another in Validate. Every message names the setting, so a misconfigured worker says what to fix.
public sealed class WorkerOptions : IValidatableObject
{
    public const string Section = "FineTune:Worker";

    private const string Zero = "00:00:00";
    private const string Tick = "00:00:00.0000001";
    private const string Forever = "10675199.02:48:05.4775807";

    // How often a running job is polled, and how often the set of active jobs is re-read.
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:PollInterval must be positive.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    // How often a job that is validating its files, queued or paused is polled: little changes there.
    public TimeSpan SlowPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    // Long enough to outlive a slow provider call; short enough that a dead worker's jobs move on soon.
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    // Jobs polled at the same time. A slow or backing-off job holds one slot, never all of them.
    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:MaxConcurrentPolls must be at least 1.")]
    public int MaxConcurrentPolls { get; set; } = 16;

    // The request budget of each provider connection: a token bucket refilled at RequestsPerSecond,
    // holding at most RequestBurst requests. Every call to the provider takes one token.
    [Range(double.Epsilon, double.MaxValue, ErrorMessage = $"{Section}:RequestsPerSecond must be positive.")]
    public double RequestsPerSecond { get; set; } = 50;

    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:RequestBurst must be at least 1.")]
    public int RequestBurst { get; set; } = 10;

    // Backoff of one job after a 5xx, a timeout or a dropped connection: the first delay, doubled at
    // each further failure up to the maximum, each drawn with jitter between half and all of it.
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:BackoffInitialDelay must be positive.")]
    public TimeSpan BackoffInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan BackoffMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    // One provider call that takes longer fails as a timeout (and the job backs off).
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:RequestTimeout must be positive.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    // A dataset bigger than this goes to the provider in parts of this size (OpenAI's Uploads API takes up to 64 MB a
    // part), each saved as it lands, so a Worker taking over an upload resends at most one part. One part must go up
    // within RequestTimeout.
    [Range(1, 64L * 1024 * 1024, ErrorMessage = $"{Section}:UploadPartBytes must be between 1 and 67108864 (64 MB).")]
    public long UploadPartBytes { get; set; } = 8L * 1024 * 1024;

    // Items of one eval run asked and graded at the same time (each takes a request of the connection's budget).
    [Range(1, 256, ErrorMessage = $"{Section}:EvalConcurrency must be between 1 and 256.")]
    public int EvalConcurrency { get; set; } = 8;

    // Attempts at one eval item's model call (or a judge's) when the provider fails it with a 429, a 5xx or a timeout,
    // waiting as it asks (Retry-After) or backing off, before the item is stored as errored.
    [Range(1, 100, ErrorMessage = $"{Section}:EvalAttempts must be between 1 and 100.")]
    public int EvalAttempts { get; set; } = 8;

    // How often the provider's job list is read to import the jobs created there outside FineTune.
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:ImportInterval must be positive.")]
    public TimeSpan ImportInterval { get; set; } = TimeSpan.FromMinutes(1);

    // A provider job younger than this is left for the next import: a FineTune Worker may have created it
    // and not yet stored it (it records the provider job id just after the provider answers).
    [Range(typeof(TimeSpan), Zero, Forever, ErrorMessage = $"{Section}:ImportGracePeriod must not be negative.")]
    public TimeSpan ImportGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    // Jobs asked for per page of the provider's job list.
    [Range(1, 100, ErrorMessage = $"{Section}:ImportPageSize must be between 1 and 100.")]
    public int ImportPageSize { get; set; } = 100;

    // How often every workspace's models are checked for a countdown alert (90, 30, 7 and 1 days before a shutdown).
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:CountdownInterval must be positive.")]
    public TimeSpan CountdownInterval { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan IntervalFor(string status) => status == JobStatus.Running ? PollInterval : SlowPollInterval;

    // Runs once every setting above is valid on its own.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SlowPollInterval < PollInterval)
            yield return new($"{Section}:SlowPollInterval must be at least PollInterval.", [nameof(SlowPollInterval)]);
        if (LeaseDuration <= SlowPollInterval)
            yield return new($"{Section}:LeaseDuration must be longer than SlowPollInterval, or a worker loses its jobs between polls.", [nameof(LeaseDuration)]);
        if (BackoffMaxDelay < BackoffInitialDelay)
            yield return new($"{Section}:BackoffMaxDelay must be at least as long as BackoffInitialDelay.", [nameof(BackoffMaxDelay)]);
    }
}
