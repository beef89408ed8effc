using System.Collections.Concurrent;
using System.Diagnostics;
using FineTune.IntegrationTests.Infrastructure;
using FineTune.Web.Jobs;
using FineTune.Worker.Extensions;
using FineTune.Worker.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// What the Aspire dashboard shows of a job: the Worker's JobPoller and the Web's LiveUpdateRelay, each with the services
// of its own process (its own Redis connection), run here in one process against a real Garnet and a LocalProvider, so
// one ActivityListener sees both sides of Redis: a poll, its publish, the relay and the send are one trace, linked only
// by the traceparent inside the published update. The job's run yields the Worker's and the Web's named metrics, and the
// poller's logs carry the job and its workspace as scopes.
public sealed class JobTelemetryTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const string JobId = "job_telemetry";
    private const string Joined = "connection_on_the_job_page";

    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-telemetry-").FullName;
    private readonly TelemetryRecorder _telemetry = new("FineTune.Worker", "FineTune.Web");
    private readonly ScopedLogs _workerLogs = new();
    private ServiceProcess _provider = null!;
    private IHost _worker = null!;
    private IHost _web = null!;

    private GarnetRedisServer Redis { get; } = new();

    public async Task InitializeAsync()
    {
        _provider = await ServiceProcess.StartAsync("FineTune.LocalProvider", new Dictionary<string, string>
        {
            ["FineTune__DataDirectory"] = Path.Combine(_directory, "localprovider"),
            ["LocalProvider__StepDelay"] = "00:00:00.050",
        });
        _web = await StartWebAsync();
        _worker = await StartWorkerAsync();
    }

    public async Task DisposeAsync()
    {
        await _worker.StopAsync();
        await _web.StopAsync();
        _worker.Dispose();
        _web.Dispose();
        await _provider.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _telemetry.Dispose();

    [Fact]
    public async Task A_job_s_poll_publish_relay_and_send_are_one_trace_its_run_yields_the_named_metrics_and_its_logs_carry_scopes()
    {
        var redis = _worker.Services.GetRequiredService<IConnectionMultiplexer>();
        var job = await CreateOnProviderAsync();
        // Another Worker holds the job at first; this one takes it over once that one lets go.
        var lease = new JobLease(redis);
        Assert.True(await lease.TryAcquireAsync(JobId, "another-worker", TimeSpan.FromMinutes(1)));
        _web.Services.GetRequiredService<LocalJoins>().Add(JobId, Joined);
        await new JobStore(redis).SaveAsync(job);
        await UntilEndedAsync(ended => ended.FirstOrDefault(IsPollOfTheJob), "a poll of the job held elsewhere");
        await lease.ReleaseAsync(JobId, "another-worker");

        var trace = await UntilEndedAsync(ended => (
            from poll in ended.Where(s => IsPollOfTheJob(s) && s.GetTagItem("finetune.job.new_events") is int and > 0)
            from publish in ended.Where(s => s.OperationName == "job.publish" && s.TraceId == poll.TraceId)
            from relay in ended.Where(s => s.OperationName == "job.relay" && Equals(s.GetTagItem("finetune.update.id"), JobId) && s.TraceId == poll.TraceId)
            from send in ended.Where(s => s.OperationName == "job.send" && s.TraceId == poll.TraceId)
            select new { Poll = poll, Publish = publish, Relay = relay, Send = send }).FirstOrDefault(),
            "a poll that stored new events, published, relayed and sent in one trace");

        Assert.Equal(job.ProviderJobId, trace.Poll.GetTagItem("finetune.job.provider_job_id"));
        Assert.All([trace.Publish, trace.Relay, trace.Send], span => Assert.Equal(trace.Poll.TraceId, span.TraceId));
        Assert.Equal(
            [trace.Poll.SpanId, trace.Publish.SpanId, trace.Relay.SpanId],
            [trace.Publish.ParentSpanId, trace.Relay.ParentSpanId, trace.Send.ParentSpanId]);

        await using var watch = new JobWatch(Redis.ConnectionString, JobId, () => _provider.Output);
        var finished = await watch.UntilTerminalAsync(Deadline);
        Assert.Equal(JobStatus.Succeeded, finished.Status);
        _telemetry.ReadGauges();

        Assert.True(_telemetry.Sum("finetune.worker.polls") > 1);
        Assert.Equal((await watch.HistoryAsync()).Count, _telemetry.Sum("finetune.worker.events.ingested"));
        Assert.Equal(1, _telemetry.Sum("finetune.worker.lease.takeovers"));
        Assert.Contains(_telemetry.Measured("finetune.worker.provider.request.duration"), m => Equals(m.Tags["http.response.status_code"], 200));
        Assert.Contains(_telemetry.Measured("finetune.worker.request_budget.tokens"), m => m.Tags.ContainsKey("finetune.connection.id"));
        Assert.NotEmpty(_telemetry.Measured("finetune.worker.jobs.active"));
        Assert.All(_telemetry.Measured("finetune.web.relay.delay"), m => Assert.True(m.Value >= 0));
        Assert.NotEmpty(_telemetry.Measured("finetune.web.relay.delay"));

        var finishedLog = Assert.Single(_workerLogs.Logged, log => log.Message == $"Job {JobId} is {JobStatus.Succeeded}");
        Assert.Equal((JobId, "ws_telemetry"), (finishedLog.Scopes["JobId"], finishedLog.Scopes["WorkspaceId"]));
    }

    private static bool IsPollOfTheJob(Activity span) => span.OperationName == "job.poll" && Equals(span.GetTagItem("finetune.job.id"), JobId);

    private Task<T> UntilEndedAsync<T>(Func<List<Activity>, T?> find, string what) where T : class => _telemetry.UntilEndedAsync(find, what, Deadline);

    private async Task<FineTuneJob> CreateOnProviderAsync()
    {
        var provider = new FineTuningProvider(new ProviderOptions { Endpoint = _provider.BaseAddress + "v1", ApiKey = "test" });
        await using var sample = File.OpenRead(Repository.Sample("capitals-train.jsonl"));
        var fileId = await provider.UploadTrainingFileAsync(sample, "capitals-train.jsonl", default);
        var method = new JobMethod("supervised", new JobHyperparameters(NEpochs: 2));
        var providerJob = await provider.CreateJobAsync(new ProviderJobRequest("gpt-4.1-mini", fileId, null, method, "telemetry", 5), JobId, default);
        return new FineTuneJob
        {
            Id = JobId,
            WorkspaceId = "ws_telemetry",
            Status = providerJob.Status,
            ProviderJobId = providerJob.Id,
            Model = "gpt-4.1-mini",
            TrainingDatasetId = "ds_telemetry",
            TrainingFileId = fileId,
            Method = method,
            CreatedBy = "usr_telemetry",
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    private async Task<IHost> StartWorkerAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = Redis.ConnectionString;
        builder.Configuration["FineTune:Provider:Endpoint"] = _provider.BaseAddress + "v1";
        builder.Configuration["FineTune:DataDirectory"] = _directory;
        builder.Configuration["FineTune:Worker:PollInterval"] = "00:00:00.200";
        builder.Configuration["FineTune:Worker:SlowPollInterval"] = "00:00:00.500";
        builder.AddWorkerServices();
        builder.Logging.AddProvider(_workerLogs);
        builder.Services.RemoveAll<IHostedService>();
        builder.Services.AddHostedService<JobPoller>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // The Web's relay as the Web registers it, with SignalR's hub context but no server: its send to the joined
    // connection goes to the hub lifetime manager, which has no such connection here.
    private async Task<IHost> StartWebAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(Redis.ConnectionString));
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LocalJoins>();
        builder.Services.AddHostedService<LiveUpdateRelay>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // Every log with the values of the scopes it was written in.
    private sealed class ScopedLogs : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, Dictionary<string, object?> Scopes)> Logged { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopedLogs logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => logs._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new Dictionary<string, object?>();
                logs._scopes.ForEachScope((scope, values) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object>> pairs) foreach (var (key, value) in pairs) values[key] = value;
                }, scopes);
                logs.Logged.Enqueue((formatter(state, exception), scopes));
            }
        }
    }
}
