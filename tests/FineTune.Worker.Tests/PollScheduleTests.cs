using FineTune.Worker.Polling;
using Microsoft.Extensions.Time.Testing;

namespace FineTune.Worker.Tests;

public sealed class PollScheduleTests
{
    private static readonly WorkerOptions Options = new()
    {
        PollInterval = TimeSpan.FromSeconds(1),
        SlowPollInterval = TimeSpan.FromSeconds(5),
        BackoffInitialDelay = TimeSpan.FromMilliseconds(500),
        BackoffMaxDelay = TimeSpan.FromSeconds(30),
    };

    private readonly FakeTimeProvider _time = new();
    private readonly PollSchedule _schedule = new(Options, jitter: () => 1.0);

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void New_active_jobs_are_due_at_once_and_handed_out_once()
    {
        _schedule.Sync(["a", "b"], Now);

        Assert.Equal(["a", "b"], _schedule.TakeDue(Now).Order());
        Assert.Empty(_schedule.TakeDue(Now));
        Assert.Null(_schedule.NextDue);
    }

    [Theory]
    [InlineData(JobStatus.Running, 1)]
    [InlineData(JobStatus.ValidatingFiles, 5)]
    [InlineData(JobStatus.Queued, 5)]
    [InlineData(JobStatus.Paused, 5)]
    public void A_polled_job_is_next_due_one_interval_for_its_status_after_its_poll_started(string status, int seconds)
    {
        _schedule.Sync(["a"], Now);
        var startedAt = Now;
        _schedule.TakeDue(Now);
        _time.Advance(TimeSpan.FromMilliseconds(300));

        _schedule.Polled("a", status, startedAt, Now);

        Assert.Equal(startedAt + TimeSpan.FromSeconds(seconds), _schedule.DueOf("a"));
    }

    [Fact]
    public void A_poll_slower_than_the_interval_is_followed_at_once()
    {
        _schedule.Sync(["a"], Now);
        var startedAt = Now;
        _schedule.TakeDue(Now);
        _time.Advance(TimeSpan.FromSeconds(3));

        _schedule.Polled("a", JobStatus.Running, startedAt, Now);

        Assert.Equal(Now, _schedule.DueOf("a"));
    }

    [Fact]
    public void A_rate_limited_job_waits_exactly_its_retry_after_and_no_other_job_waits()
    {
        _schedule.Sync(["limited", "other"], Now);
        _schedule.TakeDue(Now);

        _schedule.RateLimited("limited", TimeSpan.FromSeconds(7), Now);
        _schedule.Polled("other", JobStatus.Running, Now, Now);

        Assert.Equal(Now + TimeSpan.FromSeconds(7), _schedule.DueOf("limited"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["other"], _schedule.TakeDue(Now));
    }

    [Fact]
    public void Failures_back_off_exponentially_and_a_success_resets_them()
    {
        _schedule.Sync(["a"], Now);
        var delays = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(["a"], _schedule.TakeDue(Now));
            delays.Add(_schedule.Failed("a", Now).TotalSeconds);
            _time.Advance(_schedule.DueOf("a")!.Value - Now);
        }
        Assert.Equal([0.5, 1, 2, 4, 8, 16, 30, 30], delays);

        _schedule.TakeDue(Now);
        _schedule.Polled("a", JobStatus.Running, Now, Now);
        Assert.Equal(0, _schedule.FailuresOf("a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        _schedule.TakeDue(Now);
        Assert.Equal(0.5, _schedule.Failed("a", Now).TotalSeconds);
    }

    [Fact]
    public void Jobs_that_left_the_active_set_are_dropped_unless_in_flight()
    {
        _schedule.Sync(["a", "b"], Now);
        _schedule.TakeDue(Now);
        _schedule.Polled("b", JobStatus.Running, Now, Now);

        _schedule.Sync([], Now);

        Assert.Equal(1, _schedule.Count);
        _schedule.Forget("a");
        Assert.Equal(0, _schedule.Count);
    }

    [Fact]
    public void A_job_held_by_another_worker_is_looked_at_again_after_the_poll_interval()
    {
        _schedule.Sync(["a"], Now);
        _schedule.TakeDue(Now);

        _schedule.HeldElsewhere("a", Now);

        Assert.Equal(Now + TimeSpan.FromSeconds(1), _schedule.DueOf("a"));
    }

    [Fact]
    public void Due_jobs_come_earliest_first()
    {
        _schedule.Sync(["late", "early"], Now);
        _schedule.TakeDue(Now);
        _schedule.RateLimited("late", TimeSpan.FromSeconds(3), Now);
        _schedule.RateLimited("early", TimeSpan.FromSeconds(2), Now);

        Assert.Equal(Now + TimeSpan.FromSeconds(2), _schedule.NextDue);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["early", "late"], _schedule.TakeDue(Now));
    }
}
