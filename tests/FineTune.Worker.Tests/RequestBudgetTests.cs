using FineTune.Worker.Polling;
using Microsoft.Extensions.Time.Testing;

namespace FineTune.Worker.Tests;

public sealed class RequestBudgetTests
{
    [Fact]
    public void A_full_bucket_lets_a_burst_through_then_spaces_requests_at_the_rate()
    {
        var time = new FakeTimeProvider();
        var budget = new RequestBudget(requestsPerSecond: 10, burst: 3, time);

        var waits = Enumerable.Range(0, 6).Select(_ => budget.Reserve()).ToList();

        Assert.Equal([0, 0, 0, 100, 200, 300], waits.Select(w => (int)Math.Round(w.TotalMilliseconds)));
    }

    [Fact]
    public void The_bucket_refills_at_the_rate_but_never_above_the_burst()
    {
        var time = new FakeTimeProvider();
        var budget = new RequestBudget(requestsPerSecond: 10, burst: 3, time);
        for (var i = 0; i < 3; i++) budget.Reserve();

        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(TimeSpan.Zero, budget.Reserve());
        Assert.Equal(TimeSpan.Zero, budget.Reserve());
        Assert.Equal(100, (int)Math.Round(budget.Reserve().TotalMilliseconds));

        time.Advance(TimeSpan.FromHours(1));
        var afterIdle = Enumerable.Range(0, 4).Select(_ => budget.Reserve()).ToList();
        Assert.Equal([0, 0, 0, 100], afterIdle.Select(w => (int)Math.Round(w.TotalMilliseconds)));
    }

    [Fact]
    public void No_window_ever_holds_more_than_burst_plus_rate_times_its_length()
    {
        var time = new FakeTimeProvider();
        var budget = new RequestBudget(requestsPerSecond: 50, burst: 10, time);
        var start = time.GetUtcNow();

        // 1,000 callers all asking at once: each is sent when its wait is over.
        var sendTimes = Enumerable.Range(0, 1000).Select(_ => (time.GetUtcNow() + budget.Reserve() - start).TotalSeconds).ToList();

        for (var i = 0; i < sendTimes.Count; i++)
        {
            var windowEnd = sendTimes[i] + 1.0;
            var inWindow = sendTimes.Skip(i).TakeWhile(t => t < windowEnd - 1e-9).Count();
            Assert.True(inWindow <= 10 + 50, $"{inWindow} requests in the second after {sendTimes[i]:F3} s");
        }
        Assert.InRange(sendTimes[^1], 19.7, 19.9);
    }

    [Fact]
    public async Task WaitAsync_completes_only_when_the_clock_reaches_the_callers_turn()
    {
        var time = new FakeTimeProvider();
        var budget = new RequestBudget(requestsPerSecond: 2, burst: 1, time);
        await budget.WaitAsync(CancellationToken.None);

        var second = budget.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
