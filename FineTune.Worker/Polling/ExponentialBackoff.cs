namespace FineTune.Worker.Polling;

// Delay before the next attempt after `failures` failures in a row: initial × 2^(failures-1), capped,
// then jittered into [half, all] of it so that jobs that failed together do not retry together.
public static class ExponentialBackoff
{
    // jitter is a sample from [0, 1).
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max, double jitter)
    {
        if (failures < 1) return TimeSpan.Zero;
        var exponent = Math.Min(failures - 1, 30);
        var full = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(full / 2 + full / 2 * Math.Clamp(jitter, 0, 1));
    }
}
