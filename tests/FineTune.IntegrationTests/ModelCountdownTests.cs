using System.Text.Json;
using System.Threading.Channels;
using FineTune.IntegrationTests.Infrastructure;
using FineTune.Worker.Extensions;
using FineTune.Worker.Models;
using FineTune.Worker.Notifications;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// The Worker's model countdown: two Workers (each its own services and Redis connection, as two processes have) against
// one real Redis, on one fake clock, with a workspace whose job made a gpt-4.1-mini model (shut down 2027-01-14 by the
// model table) and whose webhook is a real HTTP receiver. Each alert reaches the bells and the webhook once.
public sealed class ModelCountdownTests : IAsyncLifetime
{
    private const string WorkspaceId = "ws_countdown";
    private const string OwnerId = "usr_owner";
    private const string MemberId = "usr_member";
    private const string Model = "ft:gpt-4.1-mini:local::countdown";
    private static readonly DateTimeOffset Shutdown = new(2027, 1, 14, 0, 0, 0, TimeSpan.Zero);

    private GarnetRedisServer Redis { get; } = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-countdown-").FullName;
    private readonly Channel<string> _webhookTexts = Channel.CreateUnbounded<string>();
    private readonly FakeTimeProvider _time = new(Shutdown.AddDays(-100).AddHours(9));
    private LoopbackHttpServer _webhook = null!;
    private LoopbackHttpServer _provider = null!;
    private IHost _first = null!;
    private IHost _second = null!;

    public async Task InitializeAsync()
    {
        _webhook = await LoopbackHttpServer.StartAsync(async context =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            _webhookTexts.Writer.TryWrite(body.GetProperty("text").GetString()!);
        });
        // The server connection lists no fine-tuned model: the job's is the workspace's only one.
        _provider = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("""{"object":"list","data":[]}"""));
        // One after the other: the first makes the data directory's certificate, which the second then reads.
        _first = await StartWorkerAsync();
        _second = await StartWorkerAsync();

        var services = _first.Services;
        await services.GetRequiredService<WorkspaceStore>().CreateAsync(new Workspace(WorkspaceId, "Countdown", OwnerId, _time.GetUtcNow()), OwnerId);
        await services.GetRequiredService<WorkspaceStore>().SetRoleAsync(WorkspaceId, MemberId, WorkspaceRole.Member);
        await services.GetRequiredService<WorkspaceWebhooks>().SetUrlAsync(WorkspaceId, _webhook.Url("/hook"));
        await services.GetRequiredService<JobStore>().SaveAsync(new FineTuneJob
        {
            Id = "job_countdown",
            WorkspaceId = WorkspaceId,
            Status = JobStatus.Succeeded,
            Model = "gpt-4.1-mini",
            FineTunedModel = Model,
            TrainingDatasetId = "ds_countdown",
            Method = new JobMethod("supervised", null),
            CreatedBy = OwnerId,
            CreatedAt = _time.GetUtcNow(),
        });
    }

    public async Task DisposeAsync()
    {
        await _first.StopAsync();
        await _second.StopAsync();
        _first.Dispose();
        _second.Dispose();
        await _webhook.DisposeAsync();
        await _provider.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Each_alert_reaches_the_bells_and_the_webhook_once_across_two_workers()
    {
        Assert.Equal(0, await BothWorkersCheckAsync(daysBefore: 100));
        Assert.Equal(1, await BothWorkersCheckAsync(daysBefore: 89));
        Assert.Equal(0, await BothWorkersCheckAsync(daysBefore: 88));
        Assert.Equal(1, await BothWorkersCheckAsync(daysBefore: 30));
        Assert.Equal(0, await BothWorkersCheckAsync(daysBefore: 29));
        Assert.Equal(1, await BothWorkersCheckAsync(daysBefore: 7));
        Assert.Equal(1, await BothWorkersCheckAsync(daysBefore: 1));
        // Shut down: nothing more to count down to.
        Assert.Equal(0, await BothWorkersCheckAsync(daysBefore: 0));

        string[] expected = ["in 89 days", "in 30 days", "in 7 days", "in 1 day"];
        foreach (var userId in new[] { OwnerId, MemberId })
        {
            var notifications = (await _first.Services.GetRequiredService<NotificationStore>().ListAsync(userId, unreadOnly: false, limit: 50)).Items;
            Assert.Equal(expected.Length, notifications.Count);
            Assert.All(notifications, n => Assert.Equal(NotificationKind.ModelRetiring, n.Kind));
            Assert.All(notifications, n => Assert.Equal("job_countdown", n.JobId));
            Assert.Equal(expected, notifications.Select(n => n.Title).Reverse().Select(title => title[title.IndexOf(" in ", StringComparison.Ordinal)..].Trim()));
        }

        // One webhook message per alert (4 were queued, as the notifications show, and each is taken from the outbox once).
        var texts = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (texts.Count < expected.Length) texts.Add(await _webhookTexts.Reader.ReadAsync(deadline.Token));
        Assert.All(expected, days => Assert.Single(texts, text => text.Contains($"{Model} shuts down {days}", StringComparison.Ordinal)));
        Assert.All(texts, text => Assert.StartsWith("[Countdown] ", text));
        Assert.Equal(0, await OutboxLengthAsync());
        Assert.Equal(expected.Length, _webhook.Requests);
    }

    [Fact]
    public async Task A_model_first_seen_twenty_days_before_its_shutdown_gets_the_thirty_day_alert_only()
    {
        Assert.Equal(1, await BothWorkersCheckAsync(daysBefore: 20));
        Assert.Equal(0, await BothWorkersCheckAsync(daysBefore: 19));

        var notification = Assert.Single((await _first.Services.GetRequiredService<NotificationStore>().ListAsync(OwnerId, false, 50)).Items);
        Assert.Equal($"Model {Model} shuts down in 20 days", notification.Title);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var claims = (await redis.GetDatabase().HashKeysAsync(RedisKeys.WorkspaceModelAlerts(WorkspaceId))).Select(k => k.ToString());
        Assert.Equal([$"{Model}|2027-01-14|30"], claims);
    }

    [Fact]
    public async Task The_countdown_runs_on_the_workers_clock()
    {
        await _first.Services.GetRequiredService<ModelCountdown>().StartAsync(CancellationToken.None);
        await _second.Services.GetRequiredService<ModelCountdown>().StartAsync(CancellationToken.None);

        // Their first passes, 100 days before the shutdown, found nothing to say; an interval later it is 60 days before.
        _time.SetUtcNow(Shutdown.AddDays(-60));
        _time.Advance(TimeSpan.FromHours(1));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = await _webhookTexts.Reader.ReadAsync(deadline.Token);
        Assert.Contains($"{Model} shuts down in 60 days", text, StringComparison.Ordinal);

        await _first.Services.GetRequiredService<ModelCountdown>().StopAsync(CancellationToken.None);
        await _second.Services.GetRequiredService<ModelCountdown>().StopAsync(CancellationToken.None);
    }

    // Both Workers check at once at this moment; returns how many alerts they sent together.
    private async Task<int> BothWorkersCheckAsync(int daysBefore)
    {
        _time.SetUtcNow(Shutdown.AddDays(-daysBefore).AddHours(9));
        var sent = await Task.WhenAll(
            _first.Services.GetRequiredService<ModelCountdown>().CheckOnceAsync(CancellationToken.None),
            _second.Services.GetRequiredService<ModelCountdown>().CheckOnceAsync(CancellationToken.None));
        return sent.Sum();
    }

    private async Task<long> OutboxLengthAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        return await redis.GetDatabase().ListLengthAsync(RedisKeys.WebhookOutbox);
    }

    // A Worker's services with this test's clock; of its background services only the webhook delivery runs, so each
    // countdown pass is the test's own call (or, in the last test, the countdown service it starts).
    private async Task<IHost> StartWorkerAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = Redis.ConnectionString;
        builder.Configuration["FineTune:Provider:Endpoint"] = _provider.Url("/v1");
        builder.Configuration["FineTune:DataDirectory"] = _directory;
        builder.Configuration["FineTune:Egress:AllowedHosts"] = "127.0.0.1";
        builder.AddWorkerServices();
        builder.Services.RemoveAll<IHostedService>();
        builder.Services.AddHostedService<WebhookDelivery>();
        builder.Services.AddSingleton<TimeProvider>(_time);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
