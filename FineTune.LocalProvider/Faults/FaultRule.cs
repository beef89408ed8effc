namespace FineTune.LocalProvider.Faults;

public static class FaultKinds
{
    // 429 with a Retry-After header, as OpenAI answers when a rate limit is hit.
    public const string RateLimit = "rate_limit";
    // 500 with OpenAI's server_error body.
    public const string ServerError = "server_error";
    // Waits, then answers normally.
    public const string Delay = "delay";
    // Closes the connection without an answer.
    public const string Abort = "abort";

    public static readonly IReadOnlyList<string> All = [RateLimit, ServerError, Delay, Abort];
}

// One rule: requests whose path matches Path (a pattern where * stands for any characters, so
// "/v1/fine_tuning/jobs*" covers every job route) and whose method matches Method (any when
// empty) get the fault with probability Rate, at most Times times (unlimited when null).
public sealed class FaultRule
{
    public string Path { get; set; } = "";
    public string? Method { get; set; }
    public string Kind { get; set; } = "";
    public double Rate { get; set; } = 1;
    public int? Times { get; set; }
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    public string? Problem() =>
        string.IsNullOrWhiteSpace(Path) ? "path is required."
        : !FaultKinds.All.Contains(Kind) ? $"kind must be one of {string.Join(", ", FaultKinds.All)}, not '{Kind}'."
        : Rate is < 0 or > 1 ? "rate must be between 0 and 1."
        : Times is < 0 ? "times must not be negative."
        : RetryAfter < TimeSpan.Zero || Delay < TimeSpan.Zero ? "retry_after and delay must not be negative."
        : null;
}

// LocalProvider:Faults in configuration, and the body of POST /admin/faults.
public sealed class FaultOptions
{
    public const string SectionName = "LocalProvider:Faults";

    // The same seed and the same sequence of requests give the same faults.
    public int Seed { get; set; } = 1;

    public List<FaultRule> Rules { get; set; } = [];
}
