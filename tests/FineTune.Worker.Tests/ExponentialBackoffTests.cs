using FineTune.Worker.Polling;

namespace FineTune.Worker.Tests;

public sealed class ExponentialBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(6, 16000)]
    [InlineData(7, 30000)]
    [InlineData(100, 30000)]
    public void The_delay_doubles_per_failure_up_to_the_maximum(int failures, double fullMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(fullMs), ExponentialBackoff.Delay(failures, Initial, Max, jitter: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(fullMs / 2), ExponentialBackoff.Delay(failures, Initial, Max, jitter: 0));
    }

    [Fact]
    public void Jitter_spreads_the_delay_between_half_and_all_of_it()
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 1000).Select(_ => ExponentialBackoff.Delay(3, Initial, Max, random.NextDouble())).ToList();

        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 1000, 2000));
        Assert.True(delays.Distinct().Count() > 900, "jobs that failed together must not retry together");
    }

    [Fact]
    public void No_failure_means_no_delay() =>
        Assert.Equal(TimeSpan.Zero, ExponentialBackoff.Delay(0, Initial, Max, 0.5));
}
