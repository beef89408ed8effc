using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FineTune.Bench;
using FineTune.Bench.Evals;
using StackExchange.Redis;

// A 1,000-item eval run as production runs it: the Worker's EvalRunner (a Worker process, its EvalStore on redis-server)
// asking a model fine-tuned on the LocalProvider over HTTP and grading each answer with the non-model graders a team uses
// (graders.json). Items per second at each eval concurrency, and what grading costs: the same runs without graders
// (like with like: same items, same answers, same Worker), and each item's grading timed on its own with a Stopwatch.
// Target: grading adds under 5 % to a run's time.
//
//   dotnet run -c Release --project bench/FineTune.Bench.Evals -- [--items 1000] [--concurrency 1,8,32] [--rounds 5]
//       [--budget 1000] [--graders bench/FineTune.Bench.Evals/graders.json]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var itemCount = int.Parse(Arg("--items", "1000"), CultureInfo.InvariantCulture);
var concurrencies = Arg("--concurrency", "1,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
var rounds = int.Parse(Arg("--rounds", "5"), CultureInfo.InvariantCulture);
// Requests per second of the connection's budget: the product's default (50) would be the limit, not the runner.
var budget = Arg("--budget", "1000");
const string workspaceId = "ws_bench";
Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");

var distinct = TestSet.DistinctLines();
var testLines = TestSet.TestLines(distinct, itemCount);
var graders = JsonDocument.Parse(File.ReadAllText(Arg("--graders", Path.Combine(AppContext.BaseDirectory, "graders.json")))).RootElement.Clone();
var noGraders = JsonDocument.Parse("[]").RootElement.Clone();

await using var services = new BenchServices();
var redisConnection = services.StartRedis();
var providerAddress = await services.StartServiceAsync("FineTune.LocalProvider", new()
{
    ["FineTune__DataDirectory"] = Path.Combine(services.DataDirectory, "localprovider"),
    ["LocalProvider__StepDelay"] = "00:00:00",
});
var endpoint = providerAddress + "v1";
var clock = Stopwatch.StartNew();
var model = await FineTuneAsync(new FineTuningProvider(new ProviderOptions { Endpoint = endpoint }), TestSet.TrainingLines(distinct));
Console.WriteLine($"{distinct.Count} distinct items, {testLines.Count} in the test set; model {model} fine-tuned on "
    + $"{TestSet.TrainingLines(distinct).Count} of them in {clock.Elapsed.TotalSeconds:F1} s");

await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
var evals = new EvalStore(redis);
var blobs = new BlobStore(Path.Combine(services.DataDirectory, "blobs"));
var graded = await SaveEvalAsync("graded", testLines, graders);
var bare = await SaveEvalAsync("no graders", testLines, noGraders);
var warmUp = await SaveEvalAsync("warm-up", distinct, graders);

var runningAt = new Dictionary<string, long>();
var waiters = new Dictionary<string, TaskCompletionSource<(EvalRun Run, long FinishedAt)>>();
var updates = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.EvalRunUpdates));
updates.OnMessage(message =>
{
    var now = Stopwatch.GetTimestamp();
    var run = FineTuneJson.Deserialize<EvalRunUpdate>(message.Message.ToString()).Run;
    lock (waiters)
    {
        if (run.Status == EvalRunStatus.Running) runningAt.TryAdd(run.Id, now);
        if (EvalRunStatus.IsFinished(run.Status) && waiters.Remove(run.Id, out var waiter)) waiter.SetResult((run, now));
    }
});

// CPU seconds too: on a shared machine a run waits for cores other work holds, so its wall time moves with their load; the
// CPU the Worker (and with it the provider and Redis) spent on a run does not.
Console.WriteLine();
Console.WriteLine($"Medians of {rounds} runs of each kind; \"with\" and \"without\" graders are the same items, answers and Worker.");
Console.WriteLine();
Console.WriteLine("| concurrency | items/s with graders | items/s without | run s with / without | grading adds to the run's time "
    + "| Worker CPU s with / without | grading's share of the Worker's CPU | of all CPU (Worker, provider, Redis) | model call p50 ms |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
var measured = new List<(int Concurrency, Timed With, Timed Without)>();
EvalRun? lastRun = null;
foreach (var concurrency in concurrencies)
{
    var worker = await services.StartServiceAsync("FineTune.Worker", new()
    {
        ["ConnectionStrings__redis"] = redisConnection,
        ["FineTune__Provider__Endpoint"] = endpoint,
        ["FineTune__DataDirectory"] = services.DataDirectory,
        ["FineTune__Worker__EvalConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["FineTune__Worker__RequestsPerSecond"] = budget,
        ["FineTune__Worker__RequestBurst"] = "100",
        // Picks a queued run up sooner; not part of any figure (a run is timed from its "running" update).
        ["FineTune__Worker__PollInterval"] = "00:00:00.2",
        // The fine-tuning job is the benchmark's own: not imported into FineTune and polled.
        ["FineTune__Worker__ImportInterval"] = "1.00:00:00",
    });
    // JIT in the Worker, its connections to Redis and the provider.
    await RunAsync(warmUp, worker);
    var with = new List<Timed>();
    var without = new List<Timed>();
    // Alternated, so neither kind always runs on a warmer or quieter machine.
    for (var round = 0; round < rounds; round++)
    {
        foreach (var eval in round % 2 == 0 ? [graded, bare] : new[] { bare, graded })
        {
            var (run, timed) = await RunAsync(eval, worker);
            if (eval == graded) lastRun = run;
            (eval == graded ? with : without).Add(timed);
        }
    }
    await services.StopServiceAsync(worker);
    var (a, b) = (Timed.Median(with), Timed.Median(without));
    measured.Add((concurrency, a, b));
    Console.WriteLine($"| {concurrency} | {itemCount / a.Seconds:F0} | {itemCount / b.Seconds:F0} | {a.Seconds:F2} / {b.Seconds:F2} "
        + $"| {(a.Seconds - b.Seconds) / a.Seconds:P1} | {a.WorkerCpu:F2} / {b.WorkerCpu:F2} | {(a.WorkerCpu - b.WorkerCpu) / a.WorkerCpu:P1} "
        + $"| {(a.AllCpu - b.AllCpu) / a.AllCpu:P1} | {lastRun!.LatencyMs?.P50:F1} |");
}

var answered = await evals.ItemsAsync(lastRun!.Id);
Console.WriteLine();
Console.WriteLine($"Last graded run: pass rate {lastRun.PassRate:P0}; graders' mean scores "
    + string.Join(", ", lastRun.Graders.Select(grader => $"{grader.Name} {grader.Mean:F2}")));
Console.WriteLine("Answers, one of each kind (line: reference → answer):");
foreach (var item in answered.GroupBy(item => item.Reference![0] == '{' ? "record" : item.Reference.Length > 100 ? "docs" : "sentence").Select(kind => kind.First()))
{
    Console.WriteLine($"  {item.Line}: {Clip(item.Reference)} → {Clip(item.Output)}");
}
var cost = await GradingCost.MeasureAsync(testLines, graders, answered);
Console.WriteLine();
cost.Print(measured);
return 0;

async Task<string> FineTuneAsync(FineTuningProvider provider, IReadOnlyList<string> training)
{
    using var file = new MemoryStream(TestSet.Jsonl(training));
    var fileId = await provider.UploadTrainingFileAsync(file, "evals-bench-train.jsonl", default);
    var job = await provider.CreateJobAsync(
        new ProviderJobRequest("gpt-4.1-mini", fileId, null, new JobMethod("supervised", new JobHyperparameters(NEpochs: 3)), "evalbench", 1),
        "bench-evals", default);
    while (!JobStatus.IsTerminal(job.Status))
    {
        await Task.Delay(200);
        job = await provider.GetJobAsync(job.Id, default);
    }
    return job.FineTunedModel ?? throw new InvalidOperationException($"fine-tuning {job.Id} ended {job.Status}: {job.Error?.Message}");
}

async Task<Eval> SaveEvalAsync(string name, IReadOnlyList<string> lines, JsonElement evalGraders)
{
    using var content = new MemoryStream(TestSet.Jsonl(lines));
    var blob = await blobs.PutAsync(content, default);
    var eval = new Eval
    {
        Id = $"eval_bench_{name.Replace(' ', '_')}",
        WorkspaceId = workspaceId,
        Name = name,
        DatasetId = $"ds_bench_{blob.Sha256[..8]}",
        DatasetSha256 = blob.Sha256,
        Graders = evalGraders,
        CreatedBy = "bench",
        CreatedAt = DateTimeOffset.UtcNow,
    };
    await evals.SaveAsync(eval);
    return eval;
}

// Queues a run as the Api does and times it from the Worker's first "running" update to its "completed" one: every item
// answered, graded and stored.
async Task<(EvalRun Run, Timed Timed)> RunAsync(Eval eval, Uri worker)
{
    var run = new EvalRun
    {
        Id = $"evalrun_bench_{Guid.NewGuid():N}",
        EvalId = eval.Id,
        WorkspaceId = workspaceId,
        Status = EvalRunStatus.Queued,
        Model = model,
        Temperature = 0,
        Seed = 1,
        CreatedBy = "bench",
        CreatedAt = DateTimeOffset.UtcNow,
    };
    var waiter = new TaskCompletionSource<(EvalRun Run, long FinishedAt)>(TaskCreationOptions.RunContinuationsAsynchronously);
    lock (waiters) waiters[run.Id] = waiter;
    var (workerCpu, allCpu) = (services.ProcessorTime(worker), services.ProcessorTime());
    await evals.SaveAndPublishRunAsync(run);
    var (finished, finishedAt) = await waiter.Task.WaitAsync(TimeSpan.FromMinutes(5));
    var timed = new Timed(0, (services.ProcessorTime(worker) - workerCpu).TotalSeconds, (services.ProcessorTime() - allCpu).TotalSeconds);
    if (finished.Status != EvalRunStatus.Completed || finished.Counts.Errored > 0)
    {
        throw new InvalidOperationException($"{eval.Name} run {run.Id}: {finished.Status}, {finished.Counts.Errored} errored {finished.Error}");
    }
    lock (waiters) return (finished, timed with { Seconds = Stopwatch.GetElapsedTime(runningAt[run.Id], finishedAt).TotalSeconds });
}

static string Clip(string? text) => text is null ? "(none)" : text.Length <= 90 ? text : text[..90] + "…";

string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

// One run: its wall time from "running" to "completed", and the CPU seconds the Worker and all the benchmark's processes
// used from queueing it to seeing it completed.
internal sealed record Timed(double Seconds, double WorkerCpu, double AllCpu)
{
    public static Timed Median(List<Timed> runs) => new(Of(runs.Select(run => run.Seconds)), Of(runs.Select(run => run.WorkerCpu)),
        Of(runs.Select(run => run.AllCpu)));

    private static double Of(IEnumerable<double> values) => BenchServices.Percentile([.. values.Order()], 50);
}
