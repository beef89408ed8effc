using FineTune.Web.Jobs;

namespace FineTune.IntegrationTests;

// The job page's rule for live events (JobHistory): take the next one in sequence, skip what is held, take
// nothing past a hole, and say when an update shows that the stored history reached further.
public sealed class JobHistoryTests
{
    [Fact]
    public void Events_are_taken_in_sequence_each_once()
    {
        var history = new JobHistory();

        Assert.Equal(["e1", "e2"], history.Continue([Event(1), Event(2)]).Select(e => e.Id));
        // A refill and a live update that overlap: only what is new is taken.
        Assert.Equal(["e3"], history.Continue([Event(2), Event(3)]).Select(e => e.Id));
        Assert.Empty(history.Continue([Event(1), Event(3)]));

        Assert.Equal(["e1", "e2", "e3"], history.Events.Select(e => e.Id));
        Assert.Equal("e3", history.LastEventId);
        Assert.False(history.IsBehind(3));
    }

    [Fact]
    public void Nothing_is_taken_past_a_hole_and_the_history_says_it_is_behind_until_the_hole_is_filled()
    {
        var history = new JobHistory();
        history.Continue([Event(1), Event(2)]);

        // The update that carried event 3 was lost; the next one carries 4 and 5.
        Assert.Empty(history.Continue([Event(4), Event(5)]));
        Assert.True(history.IsBehind(5));
        Assert.Equal("e2", history.LastEventId);

        // The refill from the Api: the events after e2.
        Assert.Equal(["e3", "e4", "e5"], history.Continue([Event(3), Event(4), Event(5)]).Select(e => e.Id));
        Assert.False(history.IsBehind(5));
    }

    [Fact]
    public void An_update_without_events_still_shows_a_hole_before_it()
    {
        var history = new JobHistory();
        history.Continue([Event(1)]);

        Assert.True(history.IsBehind(2));
        Assert.False(history.IsBehind(1));
        Assert.False(new JobHistory().IsBehind(0));
    }

    private static JobEvent Event(long sequence) => new($"e{sequence}", DateTimeOffset.UtcNow, "info", "message", $"event {sequence}", null, sequence);
}
