using System.Globalization;
using FineTune.Worker.Polling;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FineTune.Worker.Models;

// Tells a workspace's members (their bells, and the workspace's webhook) that a model of its inventory shuts down in 90,
// 30, 7 and 1 days. Every CountdownInterval it reads each workspace's inventory; for a model whose days left have reached
// a threshold it claims (model, shutdown date, threshold) with HSETNX before telling, so with several Workers each alert
// goes out once. Only the nearest threshold reached is claimed: a model first seen 20 days before its shutdown gets the
// 30-day alert and not the 90-day one as well. A shutdown date that moves makes a new countdown.
public sealed partial class ModelCountdown(
    WorkspaceStore workspaces,
    ModelInventory inventory,
    WorkspaceNews news,
    IConnectionMultiplexer redis,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<ModelCountdown> logger) : BackgroundService
{
    public static readonly IReadOnlyList<int> AlertDays = [1, 7, 30, 90];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CountdownInterval, time);
        try
        {
            do
            {
                try
                {
                    var sent = await CheckOnceAsync(stoppingToken);
                    if (sent > 0) LogSent(sent);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Redis may be away for a moment: the next interval tries again, and claims nothing twice.
                    LogCheckFailed(e.GetType().Name, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // One pass over every workspace; returns how many alerts this Worker sent.
    public async Task<int> CheckOnceAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var workspaceId in await workspaces.ListIdsAsync())
        {
            foreach (var model in await inventory.ListAsync(workspaceId, cancellationToken))
            {
                if (ThresholdReached(model.DaysLeft) is not { } threshold) continue;
                var claim = $"{model.Model}|{model.ShutdownDate:yyyy-MM-dd}|{threshold.ToString(CultureInfo.InvariantCulture)}";
                var now = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
                if (!await redis.GetDatabase().HashSetAsync(RedisKeys.WorkspaceModelAlerts(workspaceId), claim, now, When.NotExists)) continue;
                var members = await workspaces.MembersAsync(workspaceId);
                await news.TellAsync(workspaceId, model.JobId ?? "", NotificationKind.ModelRetiring, Title(model), Message(model), members.Keys);
                sent++;
            }
        }
        return sent;
    }

    // The smallest threshold the days left have reached, or null (more than 90 days left, no date, or shut down already).
    public static int? ThresholdReached(int? daysLeft) => daysLeft is > 0 and var days && AlertDays.FirstOrDefault(t => days <= t) is > 0 and var threshold
        ? threshold : null;

    private static string Title(InventoryModel model) =>
        $"Model {model.Model} shuts down in {model.DaysLeft} day{(model.DaysLeft == 1 ? "" : "s")}";

    private static string Message(InventoryModel model) =>
        $"It stops answering on {model.ShutdownDate:yyyy-MM-dd}. "
        + (model.JobId is { } jobId ? $"Its job {jobId} keeps its datasets: train its successor on another base or connection before then."
            : $"It was trained outside FineTune, on connection {model.ConnectionId}.");

    [LoggerMessage(LogLevel.Information, "Model countdown: sent {Count} alerts")]
    private partial void LogSent(int count);

    [LoggerMessage(LogLevel.Warning, "Model countdown failed ({Error}: {Message}); trying again at the next interval")]
    private partial void LogCheckFailed(string error, string message);
}
