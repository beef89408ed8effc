using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using StackExchange.Redis;

namespace FineTune.IntegrationTests.Infrastructure;

// LocalProvider, Api and Worker (and, when asked, Web) as real processes over a persistent redis-server,
// each of which a test can kill and start again: one stack per test, since the tests break things.
public sealed class LivePathStack : IAsyncDisposable
{
    public const string AdminToken = "live-path-admin-token";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("finetune-live-").FullName;
    private readonly List<ServiceProcess> _services = [];

    private readonly Dictionary<string, string> _workerSettings;

    private LivePathStack(IRestartableRedisServer redis, Dictionary<string, string> workerSettings)
    {
        Redis = redis;
        _workerSettings = workerSettings;
    }

    // redis-server with AOF by default; PersistentGarnetServer for the same tests over Garnet.
    public IRestartableRedisServer Redis { get; }
    public ServiceProcess LocalProvider { get; private set; } = null!;
    public ServiceProcess Api { get; private set; } = null!;
    public ServiceProcess Worker { get; private set; } = null!;
    public ServiceProcess? Web { get; private set; }
    public string ProviderEndpoint => LocalProvider.BaseAddress + "v1";

    // stepDelay paces the LocalProvider's training so a test can act mid-job; providerEnvironment adds
    // e.g. fault rules (LocalProvider__Faults__...), workerSettings the Workers' own (FineTune__Worker__...).
    public static async Task<LivePathStack> StartAsync(TimeSpan stepDelay, Dictionary<string, string>? providerEnvironment = null, bool withWeb = false,
        Func<IRestartableRedisServer>? redis = null, Dictionary<string, string>? workerSettings = null)
    {
        var stack = new LivePathStack((redis ?? (() => new PersistentRedisServer()))(), workerSettings ?? []);
        try
        {
            var provider = new Dictionary<string, string>
            {
                ["FineTune__DataDirectory"] = Path.Combine(stack._dataDirectory, "localprovider"),
                ["LocalProvider__StepDelay"] = stepDelay.ToString("c"),
            };
            foreach (var (key, value) in providerEnvironment ?? []) provider[key] = value;
            stack.LocalProvider = await stack.StartAsync("FineTune.LocalProvider", provider);
            stack.Api = await stack.StartAsync("FineTune.Api", new()
            {
                ["ConnectionStrings__redis"] = stack.Redis.ConnectionString,
                ["FineTune__Provider__Endpoint"] = stack.ProviderEndpoint,
                ["FineTune__Bootstrap__AdminToken"] = AdminToken,
                ["FineTune__DataDirectory"] = stack._dataDirectory,
            });
            stack.Worker = await stack.StartAsync("FineTune.Worker", WorkerEnvironment(stack));
            if (withWeb)
            {
                stack.Web = await stack.StartAsync("FineTune.Web", new()
                {
                    ["ConnectionStrings__redis"] = stack.Redis.ConnectionString,
                    ["FineTune__DataDirectory"] = stack._dataDirectory,
                    ["services__api__http__0"] = stack.Api.BaseAddress.ToString().TrimEnd('/'),
                });
            }
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    // A second Worker process, as another replica (or the one started after a crash); redisConnectionString
    // lets it sign in to Redis as a user of its own.
    public Task<ServiceProcess> StartAnotherWorkerAsync(string? redisConnectionString = null)
    {
        var environment = WorkerEnvironment(this);
        if (redisConnectionString is not null) environment["ConnectionStrings__redis"] = redisConnectionString;
        return StartAsync("FineTune.Worker", environment);
    }

    private static Dictionary<string, string> WorkerEnvironment(LivePathStack stack)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = stack.Redis.ConnectionString,
            ["FineTune__Provider__Endpoint"] = stack.ProviderEndpoint,
            ["FineTune__DataDirectory"] = stack._dataDirectory,
            ["FineTune__Worker__PollInterval"] = "00:00:00.200",
            ["FineTune__Worker__SlowPollInterval"] = "00:00:00.500",
            // Short, so that a killed worker's jobs move to the next one soon.
            ["FineTune__Worker__LeaseDuration"] = "00:00:02",
            ["FineTune__Worker__BackoffInitialDelay"] = "00:00:00.200",
            ["FineTune__Worker__BackoffMaxDelay"] = "00:00:02",
            ["FineTune__Worker__RequestTimeout"] = "00:00:05",
            // Jobs created on the provider outside FineTune are imported within about a second.
            ["FineTune__Worker__ImportInterval"] = "00:00:00.300",
            ["FineTune__Worker__ImportGracePeriod"] = "00:00:01",
        };
        foreach (var (key, value) in stack._workerSettings) environment[key] = value;
        return environment;
    }

    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public FineTuningProvider CreateProvider() => new(new ProviderOptions { Endpoint = ProviderEndpoint, ApiKey = "test" });

    public string Logs => string.Join("\n\n", _services.Select(s => $"== {s.Name} ==\n{s.Output}"))
        + (Redis is PersistentGarnetServer garnet ? $"\n\n== Garnet ==\n{garnet.Output}" : "");

    // Uploads the sample and starts a 3-epoch job on it through the Api; returns it once it is on the provider.
    public async Task<FineTuneJob> CreateJobAsync(string sample = "capitals-train.jsonl")
    {
        using var api = CreateApiClient();
        using var content = new StreamContent(File.OpenRead(Repository.Sample(sample)));
        var upload = await api.PostAsync($"/api/datasets?name={sample}", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var dataset = (await upload.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;

        var created = await api.PostAsJsonAsync("/api/jobs",
            new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "live", Seed: 11,
                Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 3))), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        return await ApiCalls.WaitUntilLaunchedAsync(api, job.Id, TimeSpan.FromSeconds(60), () => Logs);
    }

    private async Task<ServiceProcess> StartAsync(string project, Dictionary<string, string> environment)
    {
        var service = await ServiceProcess.StartAsync(project, environment);
        _services.Add(service);
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await Redis.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}

// Reads a job's state straight from Redis (as the Api does) and waits on it with a deadline.
public sealed class JobWatch(string redisConnectionString, string jobId, Func<string> logs) : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(redisConnectionString + ",abortConnect=false,connectTimeout=1000");

    public JobStore Store => new(_redis);

    public async Task<IReadOnlyList<JobEvent>> HistoryAsync() => (await Store.GetEventsAsync(jobId, null, 100_000)).Data;

    // Polls every 100 ms until the condition holds; Redis errors (a restart) count as "not yet".
    public async Task<T> UntilAsync<T>(Func<JobStore, Task<T?>> read, Func<T, bool> done, TimeSpan deadline, string what)
    {
        var stopAt = DateTime.UtcNow + deadline;
        T? last = default;
        while (DateTime.UtcNow < stopAt)
        {
            try
            {
                last = await read(Store);
                if (last is not null && done(last)) return last;
            }
            catch (RedisException) { }
            catch (TimeoutException) { }
            await Task.Delay(100);
        }
        Assert.Fail($"Timed out waiting for {what} (last: {last}).\n{logs()}");
        return default!;
    }

    // What a Worker's poll does when its publish is then lost (it died after saving, or the publish failed):
    // the provider's new events are stored and nobody is told. Returns the events stored so.
    public async Task<IReadOnlyList<JobEvent>> StoreWithoutPublishingAsync(FineTuningProvider provider, string providerJobId) =>
        await Store.AppendEventsAsync(jobId, await provider.GetEventsSinceAsync(providerJobId, await Store.LastEventIdAsync(jobId), default));

    public Task<FineTuneJob> UntilTerminalAsync(TimeSpan deadline) =>
        UntilAsync(store => store.GetAsync(jobId), job => JobStatus.IsTerminal(job.Status), deadline, $"job {jobId} to finish");

    public Task<IReadOnlyList<JobEvent>> UntilEventsAsync(int count, TimeSpan deadline) =>
        UntilAsync<IReadOnlyList<JobEvent>>(async store => (await store.GetEventsAsync(jobId, null, 100_000)).Data,
            events => events.Count >= count, deadline, $"{count} events of job {jobId}");

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();
}
