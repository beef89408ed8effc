using System.Net.Http.Headers;

namespace FineTune.IntegrationTests.Infrastructure;

// LocalProvider, Api and Worker as real processes over one Redis-compatible server.
public class FineTuneStack<TRedis> : IAsyncLifetime where TRedis : IRedisServer, new()
{
    public const string AdminToken = "integration-admin-token";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("finetune-it-").FullName;
    private readonly List<ServiceProcess> _services = [];

    public TRedis Redis { get; } = new();
    public ServiceProcess LocalProvider { get; private set; } = null!;
    public ServiceProcess Api { get; private set; } = null!;
    public ServiceProcess Worker { get; private set; } = null!;
    public string ProviderEndpoint => LocalProvider.BaseAddress + "v1";

    public virtual async Task InitializeAsync()
    {
        LocalProvider = await StartAsync("FineTune.LocalProvider", new()
        {
            ["FineTune__DataDirectory"] = Path.Combine(DataDirectory, "localprovider"),
            ["LocalProvider__StepDelay"] = "00:00:00.020",
        });
        Api = await StartAsync("FineTune.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["FineTune__Provider__Endpoint"] = ProviderEndpoint,
            ["FineTune__Bootstrap__AdminToken"] = AdminToken,
            ["FineTune__DataDirectory"] = DataDirectory,
            ["FineTune__Egress__AllowedHosts"] = EgressAllowedHosts,
        }.Concat(ApiSettings).ToDictionary());
        Worker = await StartAsync("FineTune.Worker", new()
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["FineTune__Provider__Endpoint"] = ProviderEndpoint,
            ["FineTune__DataDirectory"] = DataDirectory,
            ["FineTune__Egress__AllowedHosts"] = EgressAllowedHosts,
            ["FineTune__Worker__PollInterval"] = "00:00:00.200",
            // A test job runs for a second or two: it must not wait out a slow poll while it validates.
            ["FineTune__Worker__SlowPollInterval"] = "00:00:00.200",
            // Jobs created on the provider outside FineTune are imported within seconds; the grace period covers
            // the Api's own create-then-save on a busy machine (the provider's created_at is in whole seconds).
            ["FineTune__Worker__ImportInterval"] = "00:00:00.500",
            ["FineTune__Worker__ImportGracePeriod"] = "00:00:05",
            // What the launcher did with each job's upload, for tests that wait for it.
            ["Logging__LogLevel__FineTune.Worker.Launching"] = "Information",
        });
    }

    // The tests' providers and webhook receivers are addresses a user gives, on loopback ports picked as they
    // start: the stack allows loopback as an operator would (FineTune:Egress:AllowedHosts). EgressStack allows less.
    protected virtual string EgressAllowedHosts => "127.0.0.1";

    // Settings a test class adds to the Api's environment.
    protected virtual IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>();

    public HttpClient CreateApiClient(string? token = AdminToken)
    {
        var client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public FineTuningProvider CreateProvider() => new(new ProviderOptions { Endpoint = ProviderEndpoint, ApiKey = "test" });

    public string Logs => string.Join("\n\n", _services.Select(s => $"== {s.Name} ==\n{s.Output}"));

    protected async Task<ServiceProcess> StartAsync(string project, Dictionary<string, string> environment)
    {
        var service = await ServiceProcess.StartAsync(project, environment);
        _services.Add(service);
        return service;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
