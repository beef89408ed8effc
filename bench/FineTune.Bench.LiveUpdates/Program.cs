using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using FineTune.Bench;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

// Delay from a Redis publish on the job-updates channel (what the Worker does) to the update reaching
// SignalR clients of one Web instance, with 1, 100 and 1,000 clients joined to the job.
// Everything on loopback: redis-server, the Api (JoinJob asks it whether the caller may read the job),
// the Web, and the clients in this process. Publisher and clients share one Stopwatch clock.
// Beside each run, the Web's own finetune.web.relay.delay (what the dashboard shows), read from its process: from the
// update's publishedAt to the relay's last SignalR send, so it stops where the clients' receipt begins.
//
//   dotnet run -c Release --project bench/FineTune.Bench.LiveUpdates -- [--clients 1,100,1000] [--messages 100] [--rate 10]
var clientCounts = Arg("--clients", "1,100,1000").Split(',').Select(int.Parse).ToList();
var messages = int.Parse(Arg("--messages", "100"));
var rate = double.Parse(Arg("--rate", "10"));
const string token = "bench-admin-token";

await using var services = new BenchServices();
var redisConnection = services.StartRedis();
// 1,000 clients join with one token within a second: this measures the live path, not the rate limit.
var api = await services.StartApiAsync(redisConnection, token, new() { ["FineTune__RateLimit__Burst"] = "100000" });
var web = await services.StartServiceAsync("FineTune.Web", new()
{
    ["ConnectionStrings__redis"] = redisConnection,
    ["FineTune__DataDirectory"] = services.DataDirectory,
    ["services__api__http__0"] = api.ToString().TrimEnd('/'),
});

await using var webMetrics = new ServiceMetrics(services.ProcessId(web), "FineTune.Web", TimeSpan.FromSeconds(1));
const string relayDelay = "finetune.web.relay.delay";
var relayed = 0L;
var agreement = new List<string>();

await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
var job = new FineTuneJob
{
    Id = "job_bench_live",
    Status = JobStatus.Running,
    Model = "gpt-4.1-mini",
    TrainingDatasetId = "ds_bench",
    Method = new JobMethod("supervised", null),
    CreatedBy = "bench",
    CreatedAt = DateTimeOffset.UtcNow,
};
await new JobStore(redis).SaveAsync(job);
var channel = RedisChannel.Literal(RedisChannels.JobUpdates);
var publisher = redis.GetSubscriber();

Console.WriteLine($"Web {web}, Api {api}, Redis {redisConnection}; {messages} messages at {rate}/s per run, {Environment.ProcessorCount} cores");
Console.WriteLine("| clients | messages/s | deliveries | lost | duplicated | p50 ms | p99 ms | max ms |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

foreach (var count in clientCounts)
{
    var latencies = new ConcurrentBag<double>();
    var toLastClient = new ConcurrentDictionary<string, double>();
    var received = new ConcurrentDictionary<(int Client, string EventId), int>();
    var warmUpDeliveries = 0;
    var connections = new List<HubConnection>();
    try
    {
        using (var gate = new SemaphoreSlim(50))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async client =>
            {
                await gate.WaitAsync();
                try
                {
                    var connection = new HubConnectionBuilder()
                        .WithUrl(new Uri(web, "/hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                        .AddJsonProtocol(o => o.PayloadSerializerOptions = new(FineTuneJson.Options))
                        .Build();
                    connection.On<JobUpdate>("jobUpdated", update =>
                    {
                        var now = Stopwatch.GetTimestamp();
                        var id = update.NewEvents[0].Id;
                        if (id.Split(':')[1].Contains(".-"))
                        {
                            Interlocked.Increment(ref warmUpDeliveries);
                            return;
                        }
                        if (received.AddOrUpdate((client, id), 1, (_, n) => n + 1) > 1) return;
                        var sentAt = long.Parse(id.Split(':')[2]);
                        var latency = Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds;
                        latencies.Add(latency);
                        toLastClient.AddOrUpdate(id, latency, (_, last) => Math.Max(last, latency));
                    });
                    await connection.StartAsync();
                    await connection.InvokeAsync("JoinJob", job.Id);
                    lock (connections) connections.Add(connection);
                }
                finally { gate.Release(); }
            }));
        }

        // Warm-up (JIT, connection buffers), not measured; waits until every client had all of it.
        for (var i = 0; i < 20; i++) await PublishAsync(count, -1 - i);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); Volatile.Read(ref warmUpDeliveries) < 20 * count && DateTime.UtcNow < deadline;) await Task.Delay(100);
        // The Web relays each update once, to all its clients: once its metric has counted the warm-up, every interval
        // published after holds only this run's measured updates.
        relayed += 20;
        await webMetrics.UntilAsync(intervals => Counted(intervals) >= relayed, TimeSpan.FromSeconds(30));
        var firstMeasured = webMetrics.Intervals.Count;

        var interval = TimeSpan.FromSeconds(1 / rate);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            await PublishAsync(count, i);
        }
        var expected = count * messages;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); received.Count < expected && DateTime.UtcNow < deadline;) await Task.Delay(100);

        relayed += messages;
        await webMetrics.UntilAsync(intervals => Counted(intervals) >= relayed, TimeSpan.FromSeconds(30));
        agreement.Add(Agreement(count, webMetrics.Intervals.Skip(firstMeasured).Where(i => i.Instrument == relayDelay && i.Count > 0).ToList(),
            latencies.ToList(), toLastClient.Values.ToList()));

        var sorted = latencies.Order().ToList();
        var duplicated = received.Values.Count(n => n > 1);
        Console.WriteLine($"| {count} | {rate} | {sorted.Count} | {expected - received.Count} | {duplicated} "
            + $"| {BenchServices.Percentile(sorted, 50):F1} | {BenchServices.Percentile(sorted, 99):F1} | {sorted.LastOrDefault():F1} |");
    }
    finally
    {
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
    }
}

Console.WriteLine();
Console.WriteLine("The Web's finetune.web.relay.delay over the same updates (publish → last send), beside the benchmark's (publish → receipt):");
Console.WriteLine("| clients | updates relayed (metric) | metric mean ms | metric p50 ms | metric p99 ms | bench mean ms, per delivery | bench mean ms, to the last client |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
agreement.ForEach(Console.WriteLine);

static long Counted(IEnumerable<ServiceMetrics.Interval> intervals) => intervals.Where(i => i.Instrument == relayDelay).Sum(i => i.Count);

// The metric per update over the run's intervals: its mean from their counts and sums; its p50 as the median of the
// intervals' p50s weighted by their counts, and its p99 as the largest interval's p99 (a 1 s interval holds rate updates).
static string Agreement(int clients, List<ServiceMetrics.Interval> intervals, List<double> deliveries, List<double> toLastClient)
{
    var count = intervals.Sum(i => i.Count);
    var mean = intervals.Sum(i => i.Sum) / count * 1000;
    var byP50 = intervals.OrderBy(i => i.Quantiles[0.5]).ToList();
    var half = 0L;
    var p50 = byP50.First(i => (half += i.Count) * 2 >= count).Quantiles[0.5] * 1000;
    var p99 = intervals.Max(i => i.Quantiles[0.99]) * 1000;
    return $"| {clients} | {count} | {mean:F1} | {p50:F1} | {p99:F1} | {deliveries.DefaultIfEmpty().Average():F1} | {toLastClient.DefaultIfEmpty().Average():F1} |";
}

async Task PublishAsync(int run, int i)
{
    // A realistic payload: the job snapshot and one metrics event, as the Worker publishes them.
    var data = JsonSerializer.SerializeToElement(new { step = i, train_loss = 1.234, train_mean_token_accuracy = 0.5, total_steps = 300 });
    var jobEvent = new JobEvent($"bench:{run}.{i}:{Stopwatch.GetTimestamp()}", DateTimeOffset.UtcNow, "info", "metrics", $"Step {i}/300: training loss=1.234", data);
    // Unnumbered: the relay does not read sequences, and the bench's clients only count what arrives.
    // PublishedAt as JobStore sets it: the Web's relay times its delay from it.
    var update = new JobUpdate(job, [jobEvent], LastSequence: 0) { PublishedAt = DateTimeOffset.UtcNow };
    await publisher.PublishAsync(channel, FineTuneJson.Serialize(update));
}

string Arg(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
