using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.SignalR.Client;

namespace FineTune.Cli.Jobs;

// Prints a job's history, then its events as they come, each once and in order, until the job ends; returns the job as it
// ended. Live through the Web's hub as the job page is (JobsHubContract): join first, then read what the Api holds, then
// print each update's next events, reading the Api again whenever an update shows a hole. Without the hub (no Web at that
// address, or it went away) it reads the Api every few seconds instead, and says so once.
public sealed class JobWatch(HttpClient api, string jobId, TextWriter output, TextWriter progress, bool json) : IDisposable
{
    private static readonly TimeSpan LiveCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    // Updates arrive on SignalR's threads while a read of the Api may be under way: one at a time.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource<FineTuneJob> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _printed;
    private string? _lastEventId;
    private string? _status;
    private bool _live;

    public async Task<FineTuneJob> RunAsync(Uri hub, string token, CancellationToken cancellationToken)
    {
        await using var connection = new HubConnectionBuilder()
            // WebSockets with no negotiate request: behind a load balancer the Web's address may lead to another replica each time.
            .WithUrl(hub, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .WithAutomaticReconnect()
            .AddJsonProtocol(options => options.PayloadSerializerOptions = new(FineTuneJson.Options))
            .Build();
        connection.On<JobUpdate>(JobsHubContract.JobUpdated, update => update.Job.Id == jobId ? ApplyAsync(update) : Task.CompletedTask);
        connection.On<string>(JobsHubContract.CatchUp, id => id == jobId ? CatchUpAsync(CancellationToken.None) : Task.CompletedTask);
        connection.Reconnected += async _ =>
        {
            // Groups belong to a connection; the new one joins again, and reads what the old one missed.
            await connection.InvokeAsync(JobsHubContract.JoinJob, jobId);
            await CatchUpAsync(CancellationToken.None);
        };
        connection.Closed += _ => NotLiveAsync("the connection to the Web closed");

        // The Api first: a job that is not there, or a token it does not take, is the answer, whatever the Web says.
        await CatchUpAsync(cancellationToken);
        try
        {
            await connection.StartAsync(cancellationToken);
            await connection.InvokeAsync(JobsHubContract.JoinJob, jobId, cancellationToken);
            _live = true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await NotLiveAsync($"the Web at {hub.GetLeftPart(UriPartial.Authority)} (--web) did not take the connection: {e.Message}");
        }
        // Read once more after joining: what was published between the first read and the join came to no one.
        await CatchUpAsync(cancellationToken);

        while (!_ended.Task.IsCompleted)
        {
            // Even when live, now and then: a check that costs one request and catches anything the hub lost.
            await Task.WhenAny(_ended.Task, Task.Delay(_live ? LiveCheckInterval : PollInterval, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            await CatchUpAsync(cancellationToken);
        }
        return await _ended.Task;
    }

    private async Task ApplyAsync(JobUpdate update)
    {
        await _gate.WaitAsync();
        try
        {
            foreach (var jobEvent in update.NewEvents.OrderBy(e => e.Sequence).SkipWhile(e => e.Sequence <= _printed))
            {
                if (jobEvent.Sequence != _printed + 1) break;
                await PrintAsync(jobEvent);
            }
            // An earlier update never came, or this one's job is further than its events (it ended): the Api has the rest.
            if (update.LastSequence > _printed || JobStatus.IsTerminal(update.Job.Status)) await ReadApiAsync(CancellationToken.None);
            else await ShowStatusAsync(update.Job);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReadApiAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    // The job, then every event after the last one printed, page by page. Under the gate.
    private async Task ReadApiAsync(CancellationToken cancellationToken)
    {
        var job = await ServerCalls.ReadAsync<FineTuneJob>(api, () => api.GetAsync($"api/jobs/{Uri.EscapeDataString(jobId)}", cancellationToken), cancellationToken);
        JobEventPage page;
        do
        {
            var after = _lastEventId is null ? "" : $"&after={Uri.EscapeDataString(_lastEventId)}";
            page = await ServerCalls.ReadAsync<JobEventPage>(api,
                () => api.GetAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/events?limit=1000{after}", cancellationToken), cancellationToken);
            foreach (var jobEvent in page.Data) await PrintAsync(jobEvent);
        }
        while (page.HasMore);
        await ShowStatusAsync(job);
        // The events were read after the job: a job read as ended has all of its events printed.
        if (JobStatus.IsTerminal(job.Status)) _ended.TrySetResult(job);
    }

    private async Task PrintAsync(JobEvent jobEvent)
    {
        _printed = jobEvent.Sequence;
        _lastEventId = jobEvent.Id;
        await output.WriteLineAsync(json
            ? JsonSerializer.Serialize(jobEvent, FineTuneJson.Options)
            : string.Create(CultureInfo.InvariantCulture, $"{jobEvent.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} {jobEvent.Level,-5} {jobEvent.Message}"));
        await output.FlushAsync();
    }

    private async Task ShowStatusAsync(FineTuneJob job)
    {
        if (job.Status == _status) return;
        _status = job.Status;
        await progress.WriteLineAsync($"finetune: job {job.Id} is {job.Status}");
    }

    private async Task NotLiveAsync(string why)
    {
        // The connection also closes when the watch is over.
        if (_ended.Task.IsCompleted) return;
        _live = false;
        await progress.WriteLineAsync($"finetune: no live updates ({why}); reading the Api every {PollInterval.TotalSeconds:0} s instead.");
    }

    public void Dispose() => _gate.Dispose();
}
