using System.Diagnostics;
using System.Text.Json;
using FineTune.Cli;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// finetune jobs watch against a real Web, Api, Worker and LocalProvider, started mid-job: it prints the whole history, then
// each event as it comes through the Web's hub, every one once and in order, and exits 0 when the job succeeds. Pointed at
// an address where no Web answers, it says so and reads the Api instead, and prints the same.
public sealed class CliJobWatchTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Jobs_watch_prints_every_event_once_in_order_as_it_comes_and_exits_with_the_jobs_outcome()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150), withWeb: true);
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);
        var storedBeforeStart = await watch.UntilEventsAsync(8, Deadline);

        var noWeb = $"http://127.0.0.1:{Repository.FreeTcpPort()}";
        var live = RunAsync(job.Id, stack, stack.Web!.BaseAddress.ToString());
        var polled = RunAsync(job.Id, stack, noWeb);
        var (liveExit, liveLines, liveError) = await live;
        var (polledExit, polledLines, polledError) = await polled;

        var history = (await watch.HistoryAsync()).Select(e => e.Id).ToList();
        Assert.True(history.Count > storedBeforeStart.Count + 10, stack.Logs);
        Assert.True(liveExit == 0, liveError);
        Assert.Equal(history, liveLines.Select(line => line.Event.Id));
        Assert.DoesNotContain("no live updates", liveError);
        Assert.Contains($"finetune: job {job.Id} is succeeded", liveError);
        Assert.Contains("finetune: fine-tuned model ft:gpt-4.1-mini", liveError);
        // Printed as they came: the events after the history at start did not all arrive at once at the end.
        var afterStart = liveLines.Skip(storedBeforeStart.Count).ToList();
        Assert.True(afterStart[^1].PrintedAt - afterStart[0].PrintedAt > TimeSpan.FromSeconds(3),
            $"The live events were printed within {afterStart[^1].PrintedAt - afterStart[0].PrintedAt}.");

        Assert.True(polledExit == 0, polledError);
        Assert.Equal(history, polledLines.Select(line => line.Event.Id));
        Assert.Contains($"finetune: no live updates (the Web at {noWeb} (--web) did not take the connection", polledError);
    }

    [Fact]
    public async Task Jobs_watch_says_what_is_wrong_with_a_job_that_does_not_exist_or_a_token_the_api_refuses()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.Zero);

        var (missingExit, _, missingError) = await RunAsync("job_nope", stack, "http://127.0.0.1:9");
        Assert.Equal(2, missingExit);
        Assert.StartsWith($"finetune: GET {stack.Api.BaseAddress}api/jobs/job_nope: 404 Not Found", missingError);

        var (refusedExit, _, refusedError) = await RunAsync("job_nope", stack, "http://127.0.0.1:9", token: "ft_wrong");
        Assert.Equal(2, refusedExit);
        Assert.Contains("401 Unauthorized", refusedError);
        Assert.Contains("(the token from --token or FINETUNE_TOKEN is not accepted)", refusedError);
    }

    private static async Task<(int Exit, List<(JobEvent Event, TimeSpan PrintedAt)> Lines, string Error)> RunAsync(
        string jobId, LivePathStack stack, string web, string token = LivePathStack.AdminToken)
    {
        var output = new TimedLines();
        using var error = new StringWriter();
        using var deadline = new CancellationTokenSource(Deadline);
        var exit = await FineTuneCommand.RunAsync(
            ["jobs", "watch", jobId, "--server", stack.Api.BaseAddress.ToString(), "--web", web, "--token", token, "--json"],
            output, error, _ => null, deadline.Token);
        return (exit, output.Lines.Select(line => (JsonSerializer.Deserialize<JobEvent>(line.Text, FineTuneJson.Options)!, line.At)).ToList(), error.ToString());
    }

    // Each line written, with when it was written.
    private sealed class TimedLines : StringWriter
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public List<(string Text, TimeSpan At)> Lines { get; } = [];

        public override Task WriteLineAsync(string? value)
        {
            lock (Lines) Lines.Add((value ?? "", _clock.Elapsed));
            return Task.CompletedTask;
        }
    }
}
