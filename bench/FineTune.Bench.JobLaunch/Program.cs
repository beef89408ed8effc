using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FineTune.Bench;
using FineTune.Bench.Datasets;
using FineTune.Bench.JobLaunch;

// From the click on the create-job form's button to the job page, with a 200 MB dataset (target: under 1 s), and how long
// the Worker then takes to get the job onto the provider: what the click itself waited for when the Api sent the dataset.
// Everything on loopback as processes: redis-server, the LocalProvider, the Api, the Worker, the Web, and Chromium.
// Each round launches two jobs on the same dataset: one the provider does not have (its copy of the last round's file is
// deleted first), which the Worker sends in parts, and one right after it, for which the provider's file is reused.
//
//   dotnet run -c Release --project bench/FineTune.Bench.JobLaunch -- [--size-mb 200] [--rounds 5]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var sizeMb = int.Parse(Arg("--size-mb", "200"), CultureInfo.InvariantCulture);
var rounds = int.Parse(Arg("--rounds", "5"), CultureInfo.InvariantCulture);
const string token = "bench-admin-token";
// The LocalProvider takes any key.
const string providerKey = "bench";
Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");

// The Datasets benchmark's file (same generator, same seed), so one copy in /tmp serves both.
var datasetPath = Path.Combine(Path.GetTempPath(), $"finetune-bench-{sizeMb}mb-seed1.jsonl");
if (!File.Exists(datasetPath))
{
    var generating = Stopwatch.StartNew();
    var examples = DatasetGenerator.Write(datasetPath, sizeMb * 1024L * 1024, seed: 1);
    Console.WriteLine($"generated {datasetPath}: {examples:N0} examples in {generating.Elapsed.TotalSeconds:N1} s");
}

await using var services = new BenchServices();
var redis = services.StartRedis();
var provider = await services.StartServiceAsync("FineTune.LocalProvider", new()
{
    ["FineTune__DataDirectory"] = Path.Combine(services.DataDirectory, "localprovider"),
    // One training slot, held for the whole run by a small job that trains its first step and then waits: the provider's
    // own check of a 200 MB file, which starts as soon as its job is created, would otherwise run under the next launch.
    ["LocalProvider__MaxConcurrentJobs"] = "1",
    ["LocalProvider__StepDelay"] = "01:00:00",
});
var providerEndpoint = provider + "v1";
var api = await services.StartApiAsync(redis, token, new() { ["FineTune__Provider__Endpoint"] = providerEndpoint });
await services.StartServiceAsync("FineTune.Worker", new()
{
    ["ConnectionStrings__redis"] = redis,
    ["FineTune__Provider__Endpoint"] = providerEndpoint,
    ["FineTune__DataDirectory"] = services.DataDirectory,
    // The slot-holding job stays the benchmark's own: not imported into FineTune and polled.
    ["FineTune__Worker__ImportInterval"] = "1.00:00:00",
});
var web = await services.StartWebForBrowsersAsync(redis, api);
await HoldTrainingSlotAsync(providerEndpoint);

using var apiClient = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(10) };
apiClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
var datasetName = Path.GetFileName(datasetPath);
var uploading = Stopwatch.StartNew();
DatasetRecord dataset;
await using (var file = File.OpenRead(datasetPath))
{
    using var response = await apiClient.PostAsync($"/api/datasets?name={Uri.EscapeDataString(datasetName)}", new StreamContent(file));
    response.EnsureSuccessStatusCode();
    dataset = (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
}
if (dataset.Status != DatasetRecord.StatusValid) throw new InvalidOperationException($"{datasetName} is {dataset.Status}");
Console.WriteLine($"dataset {datasetName}: {dataset.Bytes / 1048576.0:N1} MB, {dataset.Report.ExampleCount:N0} examples, {dataset.Status}; "
    + $"uploaded and checked through the Api in {uploading.Elapsed.TotalSeconds:N1} s (before the timing, not part of it)");

await using var browser = await ConsoleBrowser.SignInAsync(web, token);
using var providerClient = new HttpClient { BaseAddress = provider };
providerClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", providerKey);
var sent = new List<Launch>();
var reused = new List<Launch>();
string? providerFileId = null;
Console.WriteLine();
Console.WriteLine("| round | dataset on the provider | click → job page ms | click → uploading shown ms | click → progress > 0 % shown ms | click → on the provider s |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
// Round 0 warms up (JIT in every service, the job page's first render) and is not counted.
for (var round = 0; round <= rounds; round++)
{
    if (providerFileId is not null) (await providerClient.DeleteAsync($"v1/files/{providerFileId}")).EnsureSuccessStatusCode();
    var first = await LaunchAsync(round, expectReused: false);
    providerFileId = first.Job.TrainingFileId;
    var second = await LaunchAsync(round, expectReused: true);
    if (round == 0) continue;
    sent.Add(first);
    reused.Add(second);
}

Console.WriteLine();
Console.WriteLine($"{rounds} rounds (+1 warm-up), {dataset.Bytes / 1048576.0:N1} MB dataset:");
Console.WriteLine();
Console.WriteLine("| dataset on the provider | click → job page p50 / max ms | click → uploading shown p50 / max ms | click → on the provider p50 / max s |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
Console.WriteLine(SummaryRow("sent now (in parts)", sent));
Console.WriteLine(SummaryRow("already there (reused)", reused));
return 0;

async Task<Launch> LaunchAsync(int round, bool expectReused)
{
    var kind = expectReused ? "reused" : "sent";
    var jobId = await browser.CreateJobAsync(datasetName, $"bench-{round}-{kind}");
    FineTuneJob job;
    while ((job = (await apiClient.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!).ProviderJobId is null)
    {
        if (JobStatus.IsTerminal(job.Status)) throw new InvalidOperationException($"{jobId} is {job.Status}: {job.Error?.Message}");
        await Task.Delay(50);
    }
    var onProviderMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    var marks = await browser.MarksAsync();
    if (job.Upload!.Datasets[0].Reused != expectReused) throw new InvalidOperationException($"{jobId}: expected Reused = {expectReused}");
    var launch = new Launch(job, marks, (onProviderMs - marks.ClickUnixMs) / 1000.0);
    Console.WriteLine($"| {(round == 0 ? "warm-up" : round)} | {(expectReused ? "already there (reused)" : "sent now")} | {marks.JobPageMs:N0} | "
        + $"{Ms(marks.UploadingMs)} | {Ms(marks.ProgressMs)} | {launch.OnProviderSeconds:N2} |");
    return launch;
}

static async Task HoldTrainingSlotAsync(string providerEndpoint)
{
    var provider = new FineTuningProvider(new ProviderOptions { Endpoint = providerEndpoint, ApiKey = providerKey });
    string fileId;
    await using (var sample = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "capitals-train.jsonl")))
        fileId = await provider.UploadTrainingFileAsync(sample, "capitals-train.jsonl", default);
    var job = await provider.CreateJobAsync(
        new ProviderJobRequest("gpt-4.1-mini", fileId, null, new JobMethod("supervised", null), "slot", null), "bench-slot", default);
    while ((await provider.GetJobAsync(job.Id, default)).Status != JobStatus.Running) await Task.Delay(100);
}

static string SummaryRow(string kind, List<Launch> launches)
{
    static string P50Max(IEnumerable<double> values, string format)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? "—" : $"{BenchServices.Percentile(sorted, 50).ToString(format)} / {sorted[^1].ToString(format)}";
    }
    // A job the Worker had already put on the provider when its page first rendered never shows `uploading`.
    var uploadingShown = launches.Where(l => l.Marks.UploadingMs is not null).Select(l => l.Marks.UploadingMs!.Value).ToList();
    var shownIn = uploadingShown.Count < launches.Count ? $" (shown in {uploadingShown.Count} of {launches.Count})" : "";
    return $"| {kind} | {P50Max(launches.Select(l => l.Marks.JobPageMs), "N0")} | {P50Max(uploadingShown, "N0")}{shownIn} | "
        + $"{P50Max(launches.Select(l => l.OnProviderSeconds), "N2")} |";
}

static string Ms(double? value) => value is { } ms ? ms.ToString("N0") : "—";

string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

internal sealed record Launch(FineTuneJob Job, LaunchMarks Marks, double OnProviderSeconds);
