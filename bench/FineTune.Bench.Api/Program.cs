using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FineTune.Bench;
using FineTune.Bench.Api;
using StackExchange.Redis;

// The Api under a large workspace: 10,000 jobs with 100 events each (1,000,000 events), 2,000 datasets and a full audit log
// (100,000 entries), then each read route at a fixed 200 requests a second from 50 clients (each its own connection and
// personal access token), sent on schedule whether or not earlier answers came back, so a slow answer cannot hide the
// ones queued behind it. Latency is from the scheduled send to the whole body read. Target: p99 at most 50 ms.
// redis-server and the Api as processes on loopback; the seed is written through FineTune's own stores.
//
//   dotnet run -c Release --project bench/FineTune.Bench.Api -- [--jobs 10000] [--events-per-job 100] [--datasets 2000] [--seconds 20]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var jobCount = int.Parse(Arg("--jobs", "10000"), CultureInfo.InvariantCulture);
var eventsPerJob = int.Parse(Arg("--events-per-job", "100"), CultureInfo.InvariantCulture);
var datasetCount = int.Parse(Arg("--datasets", "2000"), CultureInfo.InvariantCulture);
var seconds = int.Parse(Arg("--seconds", "20"), CultureInfo.InvariantCulture);
const int clients = 50;
const int requestsPerSecond = 200;
const string adminToken = "bench-admin-token";
Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");

await using var services = new BenchServices();
var redisAddress = services.StartRedis();
// Its provider is never called: the routes measured read Redis only.
var api = await services.StartApiAsync(redisAddress, adminToken);
using var admin = new HttpClient { BaseAddress = api };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
await using var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true");

var seeding = Stopwatch.StartNew();
var seed = await WorkspaceSeed.WriteAsync(admin, redis, jobCount, eventsPerJob, datasetCount);
var info = (await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("memory")).SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);
Console.WriteLine($"seeded {seed.JobIds.Count:N0} jobs, {seed.EventCount:N0} events, {seed.DatasetIds.Count:N0} datasets, {seed.AuditEntries:N0} audit entries " +
    $"in {seeding.Elapsed.TotalSeconds:N0} s; Redis holds {info["used_memory_human"]}");

// Each client a personal access token of its own, as 50 scripts or browsers would have; each token may make 100 requests a
// second, the clients make 4.
var tokens = new List<string>();
for (var i = 0; i < clients; i++)
{
    var issued = await admin.PostAsJsonAsync("/api/account/tokens", new CreateTokenRequest($"bench client {i}", null));
    tokens.Add((await issued.Content.ReadFromJsonAsync<IssuedToken>(FineTuneJson.Options))!.Secret);
}

var random = new Random(7);
string AnyJob() => seed.JobIds[random.Next(seed.JobIds.Count)];
(string Name, Func<string> Path)[] routes =
[
    ("GET /api/jobs?limit=50 (first page)", () => "/api/jobs?limit=50"),
    ("GET /api/jobs?status=failed&limit=50", () => "/api/jobs?status=failed&limit=50"),
    ("GET /api/jobs?limit=50&after= (a later page)", () => $"/api/jobs?limit=50&after={AnyJob()}"),
    ("GET /api/jobs/{id}/events?after= (the last 10)", () => EventsAfter(AnyJob(), eventsPerJob - 10)),
    ("GET /api/datasets?limit=50 (first page)", () => "/api/datasets?limit=50"),
    ("GET /api/audit?targetId= (one job's entries)", () => $"/api/audit?targetId={AnyJob()}"),
    ("GET /api/audit?action=job.cancelled", () => "/api/audit?action=job.cancelled"),
    ("GET /api/audit (first page, no filter)", () => "/api/audit"),
];
string EventsAfter(string jobId, int index) => $"/api/jobs/{jobId}/events?after={WorkspaceSeed.EventId(jobId, index)}";

Console.WriteLine();
Console.WriteLine($"{requestsPerSecond} requests/s from {clients} clients, {seconds} s per route (after {seconds / 4} s of warm-up on the same route)");
Console.WriteLine("| route | requests | errors | p50 ms | p99 ms | max ms | Api CPU % |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var (name, path) in routes)
{
    await LoadAsync(path, Math.Max(1, seconds / 4));
    var cpuBefore = services.ProcessorTime(api);
    var result = await LoadAsync(path, seconds);
    var cpu = (services.ProcessorTime(api) - cpuBefore).TotalSeconds / seconds * 100;
    var sorted = result.Latencies.Order().ToList();
    Console.WriteLine($"| {name} | {sorted.Count:N0} | {result.Errors} | {BenchServices.Percentile(sorted, 50):N1} | {BenchServices.Percentile(sorted, 99):N1} | " +
        $"{sorted.LastOrDefault():N1} | {cpu:N0} |");
}

// Request i goes out at start + i / rate, from client i % clients.
async Task<(List<double> Latencies, int Errors)> LoadAsync(Func<string> nextPath, int duration)
{
    var total = requestsPerSecond * duration;
    var latencies = new ConcurrentBag<double>();
    var errors = 0;
    var paths = Enumerable.Range(0, total).Select(_ => nextPath()).ToArray();
    var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = api };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[client]);
        for (var i = client; i < total; i += clients)
        {
            var scheduled = start + i * Stopwatch.Frequency / requestsPerSecond;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), scheduled);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            using var response = await http.GetAsync(paths[i]);
            await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            latencies.Add(Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds);
        }
    }));
    return ([.. latencies], errors);
}

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
