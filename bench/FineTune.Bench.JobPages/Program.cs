using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FineTune.Bench;
using Microsoft.Playwright;
using StackExchange.Redis;

// Publish → the DOM of real job pages, as a person watching a job sees it. N headless Chromium pages (Debian's, through
// Playwright) show one running job, each a Blazor Server circuit whose feed holds its own hub connection back to the Web.
// The bench stores and publishes the job's events as the Worker does (JobStore.AppendEventsAsync, then SaveAndPublishAsync),
// and a MutationObserver in each page notes when each event's row appears, on the page's clock (performance.timeOrigin +
// performance.now(): the same wall clock as the publisher's, on one machine). Also the Web's resident memory per open
// job page, and the Web's own finetune.web.relay.delay (publish → the relay's last send to the pages' hub connections),
// which splits the delay into the relay's part and the part after it (the circuits' hub clients, render, the browser).
// redis-server, the Api and the Web run as processes on loopback.
//
//   dotnet run -c Release --project bench/FineTune.Bench.JobPages -- [--pages 1,10,50] [--messages 100] [--rate 5]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var pageCounts = Arg("--pages", "1,10,50").Split(',').Select(int.Parse).ToList();
var messages = int.Parse(Arg("--messages", "100"), CultureInfo.InvariantCulture);
var rate = double.Parse(Arg("--rate", "5"), CultureInfo.InvariantCulture);
const string token = "bench-admin-token";
Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");

await using var services = new BenchServices();
var redisConnection = services.StartRedis();
// 50 pages of one person read the job and its events within seconds: this measures the live path, not the rate limit.
var api = await services.StartApiAsync(redisConnection, token, new() { ["FineTune__RateLimit__Burst"] = "100000" });
var web = await services.StartWebForBrowsersAsync(redisConnection, api);
await using var webMetrics = new ServiceMetrics(services.ProcessId(web), "FineTune.Web", TimeSpan.FromSeconds(1));

await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
var jobs = new JobStore(redis);
var job = new FineTuneJob
{
    Id = "job_bench_pages",
    Status = JobStatus.Running,
    Model = "gpt-4.1-mini",
    TrainingDatasetId = "ds_bench",
    Method = new JobMethod("supervised", null),
    CreatedBy = "bench",
    CreatedAt = DateTimeOffset.UtcNow,
};
await jobs.SaveAsync(job);

using var playwright = await Playwright.CreateAsync();
await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        // 50 pages in one window: none may be throttled as a hidden tab would be.
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
});
var context = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
context.SetDefaultTimeout(120_000);
var signIn = await context.NewPageAsync();
await signIn.GotoAsync("/login");
await signIn.GetByTestId("login-token").FillAsync(token);
await signIn.GetByTestId("login-submit").ClickAsync();
await signIn.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
await signIn.CloseAsync();

Console.WriteLine($"Web {web}, Api {api}; {messages} events at {rate}/s per run, each page a circuit of its own");
Console.WriteLine("| pages | events/s | deliveries | lost | p50 ms | p99 ms | max ms | mean ms | relay mean ms (metric) "
    + "| Web RSS MB | Web MB per page | Web CPU % | Chromium CPU % |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
var published = 0;
foreach (var count in pageCounts)
{
    var rssBefore = ResidentMegabytes(services.ProcessId(web));
    var pages = new List<IPage>();
    for (var i = 0; i < count; i++) pages.Add(await OpenJobPageAsync());
    var rssOpen = ResidentMegabytes(services.ProcessId(web));

    // Warm-up (JIT, circuits' first renders), not measured: until every page shows all of it.
    var warmUp = await PublishAsync(10, rate: 20);
    await Task.WhenAll(pages.Select(page => SeenAllAsync(page, warmUp.Keys)));

    await webMetrics.UntilAsync(intervals => Relayed(intervals).Count >= published, TimeSpan.FromSeconds(30));
    var firstMeasured = webMetrics.Intervals.Count;
    var cpuBefore = services.ProcessorTime(web);
    var chromiumBefore = ChromiumProcessorTime();
    var run = Stopwatch.StartNew();
    var sent = await PublishAsync(messages, rate);
    var everyPageSawAll = await Task.WhenAll(pages.Select(page => SeenAllAsync(page, sent.Keys)));
    var cpu = (services.ProcessorTime(web) - cpuBefore).TotalSeconds / run.Elapsed.TotalSeconds * 100;
    var chromiumCpu = (ChromiumProcessorTime() - chromiumBefore).TotalSeconds / run.Elapsed.TotalSeconds * 100;
    await webMetrics.UntilAsync(intervals => Relayed(intervals).Count >= published, TimeSpan.FromSeconds(30));
    var relay = Relayed(webMetrics.Intervals.Skip(firstMeasured));

    var latencies = new List<double>();
    foreach (var page in pages)
    {
        var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.benchSeen");
        latencies.AddRange(sent.Where(e => seen.ContainsKey(e.Key)).Select(e => seen[e.Key] - e.Value));
    }
    latencies.Sort();
    var lost = count * messages - latencies.Count;
    Console.WriteLine($"| {count} | {rate} | {latencies.Count} | {lost}{(everyPageSawAll.All(all => all) ? "" : " (timed out)")} " +
        $"| {BenchServices.Percentile(latencies, 50):F1} | {BenchServices.Percentile(latencies, 99):F1} | {latencies.LastOrDefault():F1} " +
        $"| {latencies.DefaultIfEmpty().Average():F1} | {relay.Sum / relay.Count * 1000:F1} | {rssOpen:N0} | {(rssOpen - rssBefore) / count:N1} | {cpu:N0} | {chromiumCpu:N0} |");

    foreach (var page in pages) await page.CloseAsync();
}

// The relay's delays recorded over these intervals: how many updates and the sum of their delays (s).
static (long Count, double Sum) Relayed(IEnumerable<ServiceMetrics.Interval> intervals)
{
    var relayed = intervals.Where(i => i.Instrument == "finetune.web.relay.delay").ToList();
    return (relayed.Sum(i => i.Count), relayed.Sum(i => i.Sum));
}

async Task<IPage> OpenJobPageAsync()
{
    var page = await context.NewPageAsync();
    await page.GotoAsync($"/jobs/{job.Id}");
    await page.Locator("[data-testid=live-state]", new() { HasText = "live" }).First.WaitForAsync();
    await page.EvaluateAsync("""
        () => {
            window.benchSeen = {};
            const note = (element, at) => {
                const rows = element.matches('[data-testid=job-event]') ? [element] : element.querySelectorAll('[data-testid=job-event]');
                for (const row of rows) if (!(row.dataset.eventId in window.benchSeen)) window.benchSeen[row.dataset.eventId] = at;
            };
            new MutationObserver(mutations => {
                const at = performance.timeOrigin + performance.now();
                for (const mutation of mutations) for (const node of mutation.addedNodes) if (node.nodeType === 1) note(node, at);
            }).observe(document.body, { childList: true, subtree: true });
        }
        """);
    return page;
}

// True once the page shows every one of the events; false after a minute.
static async Task<bool> SeenAllAsync(IPage page, IEnumerable<string> eventIds)
{
    var ids = JsonSerializer.Serialize(eventIds);
    try
    {
        await page.WaitForFunctionAsync($"() => {ids}.every(id => id in window.benchSeen)", null, new() { Timeout = 60_000, PollingInterval = 100 });
        return true;
    }
    catch (TimeoutException)
    {
        return false;
    }
}

// Publishes count metrics events on schedule; returns each event's id and its publish time (Unix ms).
async Task<Dictionary<string, double>> PublishAsync(int count, double rate)
{
    var sent = new Dictionary<string, double>();
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < count; i++)
    {
        var due = start + (long)(i / rate * Stopwatch.Frequency);
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var step = ++published;
        var data = JsonSerializer.SerializeToElement(new { step, train_loss = 2.0 / Math.Sqrt(step), train_mean_token_accuracy = 0.5, total_steps = 100_000 });
        var jobEvent = new JobEvent($"ftevent-bench-{step}", DateTimeOffset.UtcNow, "info", "metrics", $"Step {step}/100000: training loss={2.0 / Math.Sqrt(step):F3}", data);
        sent[jobEvent.Id] = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
        await jobs.SaveAndPublishAsync(job, await jobs.AppendEventsAsync(job.Id, [jobEvent]));
    }
    return sent;
}

// CPU time of every Chromium process (browser, renderers, GPU and utility processes) so far; 200 % is both cores.
static TimeSpan ChromiumProcessorTime()
{
    var total = TimeSpan.Zero;
    foreach (var process in Process.GetProcesses())
    {
        using (process)
        {
            try
            {
                if (process.ProcessName.StartsWith("chrom", StringComparison.Ordinal)) total += process.TotalProcessorTime;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended meanwhile.
            }
        }
    }
    return total;
}

static double ResidentMegabytes(int processId)
{
    var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

string Arg(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
