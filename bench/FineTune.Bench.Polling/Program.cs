using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Bench;
using StackExchange.Redis;

// One Worker polling N active jobs on the LocalProvider (all of them running: MaxConcurrentJobs = N).
// Measures, from the provider's side, the requests per second the Worker sends (a fault rule that
// never fires counts every job call), and how soon the Worker sees something new: the benchmark pauses
// a running job at a random moment and times from the pause's answer to the Worker's publish of the
// paused job on the Redis channel. Target: within one poll interval + 200 ms, budget never exceeded.
// Beside them, the Worker's own metrics over the same seconds (what the dashboard shows), read from its process:
// provider requests (finetune.worker.provider.request.duration's count), polls and events ingested.
//
//   dotnet run -c Release --project bench/FineTune.Bench.Polling -- [--jobs 1000] [--poll-interval 10]
//       [--budget 250] [--burst 20] [--duration 120] [--step-delay 10]
var jobCount = int.Parse(Arg("--jobs", "1000"));
var pollInterval = TimeSpan.FromSeconds(double.Parse(Arg("--poll-interval", "10")));
var slowInterval = pollInterval * 2;
var budget = double.Parse(Arg("--budget", "250"));
var burst = int.Parse(Arg("--burst", "20"));
var duration = TimeSpan.FromSeconds(double.Parse(Arg("--duration", "120")));
var stepDelay = TimeSpan.FromSeconds(double.Parse(Arg("--step-delay", "10")));

await using var services = new BenchServices();
var redisConnection = services.StartRedis();
var providerAddress = await services.StartServiceAsync("FineTune.LocalProvider", new()
{
    ["FineTune__DataDirectory"] = Path.Combine(services.DataDirectory, "localprovider"),
    ["LocalProvider__StepDelay"] = stepDelay.ToString("c"),
    ["LocalProvider__MaxConcurrentJobs"] = jobCount.ToString(),
});
var endpoint = providerAddress + "v1";
var provider = new FineTuningProvider(new ProviderOptions { Endpoint = endpoint });
await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
var store = new JobStore(redis);

var clock = Stopwatch.StartNew();
string fileId;
await using (var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "capitals-train.jsonl")))
    fileId = await provider.UploadTrainingFileAsync(file, "capitals-train.jsonl", default);
var created = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, jobCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
{
    var providerJob = await provider.CreateJobAsync(new ProviderJobRequest("gpt-4.1-mini", fileId, null,
        new JobMethod("supervised", new JobHyperparameters(NEpochs: 50)), $"b{i}", i), $"bench-{i}", ct);
    await store.SaveAsync(new FineTuneJob
    {
        Id = $"job_bench_{i:D4}",
        Status = providerJob.Status,
        Model = "gpt-4.1-mini",
        ProviderJobId = providerJob.Id,
        TrainingDatasetId = "ds_bench",
        Method = new JobMethod("supervised", null),
        CreatedBy = "bench",
        CreatedAt = DateTimeOffset.UtcNow,
    });
    Interlocked.Increment(ref created);
});
Console.WriteLine($"{jobCount} jobs created on the LocalProvider and stored in Redis in {clock.Elapsed.TotalSeconds:F1} s");

// Counts every job call of the Worker (GET); rate 0 means it never fires.
using var admin = new HttpClient { BaseAddress = providerAddress };
var noFaults = new { seed = 1, rules = new[] { new { path = "/v1/fine_tuning/jobs/*", method = "GET", kind = "delay", rate = 0.0 } } };
(await admin.PostAsJsonAsync("/admin/faults", noFaults)).EnsureSuccessStatusCode();

var statuses = new ConcurrentDictionary<string, string>();
var waiters = new ConcurrentDictionary<string, TaskCompletionSource<long>>();
var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates));
queue.OnMessage(message =>
{
    var now = Stopwatch.GetTimestamp();
    var update = FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString());
    statuses[update.Job.Id] = update.Job.Status;
    if (update.Job.Status == JobStatus.Paused && waiters.TryRemove(update.Job.Id, out var waiter)) waiter.TrySetResult(now);
});

var worker = await services.StartServiceAsync("FineTune.Worker", new()
{
    ["ConnectionStrings__redis"] = redisConnection,
    ["FineTune__Provider__Endpoint"] = endpoint,
    ["FineTune__DataDirectory"] = services.DataDirectory,
    ["FineTune__Worker__PollInterval"] = pollInterval.ToString("c"),
    ["FineTune__Worker__SlowPollInterval"] = slowInterval.ToString("c"),
    ["FineTune__Worker__LeaseDuration"] = (slowInterval * 3).ToString("c"),
    ["FineTune__Worker__RequestsPerSecond"] = budget.ToString(),
    ["FineTune__Worker__RequestBurst"] = burst.ToString(),
    ["FineTune__Worker__MaxConcurrentPolls"] = "32",
});
await using var workerMetrics = new ServiceMetrics(services.ProcessId(worker), "FineTune.Worker", TimeSpan.FromSeconds(1));
Console.WriteLine($"Worker started: poll interval {pollInterval.TotalSeconds} s (slow {slowInterval.TotalSeconds} s), budget {budget}/s, burst {burst}");

// Let every job be seen running once before measuring.
for (var deadline = DateTime.UtcNow + slowInterval * 3; statuses.Count(s => s.Value == JobStatus.Running) < jobCount && DateTime.UtcNow < deadline;) await Task.Delay(500);
Console.WriteLine($"{statuses.Count(s => s.Value == JobStatus.Running)} of {jobCount} jobs seen running");

var perSecond = new List<int>();
var latencies = new ConcurrentBag<double>();
var missed = 0;
var measuring = true;
var firstMeasured = 0;
var lastMeasured = 0;
var sampler = Task.Run(async () =>
{
    var last = await MatchedAsync();
    firstMeasured = workerMetrics.Intervals.Count;
    var next = Stopwatch.GetTimestamp();
    while (Volatile.Read(ref measuring))
    {
        next += Stopwatch.Frequency;
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var now = await MatchedAsync();
        lock (perSecond) perSecond.Add(now - last);
        last = now;
    }
});

var random = new Random(1);
var probes = new List<Task>();
var end = DateTime.UtcNow + duration;
while (DateTime.UtcNow < end)
{
    var running = statuses.Where(s => s.Value == JobStatus.Running && !waiters.ContainsKey(s.Key)).Select(s => s.Key).ToList();
    if (running.Count > 0) probes.Add(ProbeAsync(running[random.Next(running.Count)]));
    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 800)));
}
await Task.WhenAll(probes);
Volatile.Write(ref measuring, false);
await sampler;
lastMeasured = workerMetrics.Intervals.Count;

var sorted = latencies.Order().ToList();
var bound = (pollInterval + TimeSpan.FromMilliseconds(200)).TotalMilliseconds;
var windows = perSecond.Skip(1).ToList();
Console.WriteLine();
Console.WriteLine($"| jobs | poll interval | budget (burst) | job calls/s mean | max in a 1 s window | probes | p50 ms | p99 ms | max ms | within interval + 200 ms | missed |");
Console.WriteLine($"| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
Console.WriteLine($"| {jobCount} | {pollInterval.TotalSeconds} s | {budget}/s ({burst}) | {windows.DefaultIfEmpty().Average():F1} "
    + $"| {windows.DefaultIfEmpty().Max()} | {sorted.Count} | {BenchServices.Percentile(sorted, 50):F0} | {BenchServices.Percentile(sorted, 99):F0} "
    + $"| {sorted.LastOrDefault():F0} | {sorted.Count(l => l <= bound)}/{sorted.Count} | {missed} |");

// The metrics' 1 s intervals published while the benchmark sampled (approximately its windows): per second of them.
var measured = workerMetrics.Intervals.Take(lastMeasured).Skip(firstMeasured).ToList();
var seconds = Math.Max(1, measured.Where(i => i.Instrument == "finetune.worker.polls").Count());
double PerSecond(string instrument, Func<ServiceMetrics.Interval, double> amount) => measured.Where(i => i.Instrument == instrument).Sum(amount) / seconds;
var requests = measured.Where(i => i.Instrument == "finetune.worker.provider.request.duration").GroupBy(i => i.Tags)
    .Select(g => $"{g.Key}: {g.Sum(i => i.Count) / (double)seconds:F1}/s");
Console.WriteLine();
Console.WriteLine("The Worker's own metrics over the same seconds, beside the provider's count of job calls:");
Console.WriteLine("| intervals | provider requests/s (metric) | by status | polls/s | events ingested/s | job calls/s (bench) |");
Console.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: |");
Console.WriteLine($"| {seconds} | {PerSecond("finetune.worker.provider.request.duration", i => i.Count):F1} | {string.Join("; ", requests)} "
    + $"| {PerSecond("finetune.worker.polls", i => i.Delta):F1} | {PerSecond("finetune.worker.events.ingested", i => i.Delta):F1} "
    + $"| {windows.DefaultIfEmpty().Average():F1} |");

async Task ProbeAsync(string jobId)
{
    var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
    waiters[jobId] = waiter;
    var job = await store.GetAsync(jobId);
    await provider.PauseJobAsync(job!.ProviderJobId!, default);
    var pausedAt = Stopwatch.GetTimestamp();
    var seen = await Task.WhenAny(waiter.Task, Task.Delay(pollInterval * 3));
    if (seen == waiter.Task) latencies.Add(Stopwatch.GetElapsedTime(pausedAt, waiter.Task.Result).TotalMilliseconds);
    else { Interlocked.Increment(ref missed); waiters.TryRemove(jobId, out _); }
    await provider.ResumeJobAsync(job.ProviderJobId!, default);
}

async Task<int> MatchedAsync()
{
    var faults = await admin.GetFromJsonAsync<JsonElement>("/admin/faults");
    return faults.GetProperty("rules")[0].GetProperty("matched").GetInt32();
}

string Arg(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
