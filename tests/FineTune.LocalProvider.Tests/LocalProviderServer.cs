using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Files;

namespace FineTune.LocalProvider.Tests;

// The provider on a real loopback port, so that the official SDK talks to it over real HTTP.
public class LocalProviderServer : WebApplicationFactory<Program>
{
    private readonly bool _ownsDataDirectory;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public LocalProviderServer() : this(null, null)
    {
    }

    // dataDirectory given: the caller owns it (a restart test starts a second server on it).
    protected LocalProviderServer(string? dataDirectory, IReadOnlyDictionary<string, string?>? settings)
    {
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? NewDataDirectory();
        _settings = settings ?? new Dictionary<string, string?>();
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        OpenAI = new OpenAIClient(new ApiKeyCredential("sk-local-test"), new OpenAIClientOptions { Endpoint = new Uri(BaseAddress, "v1") });
        Http = new HttpClient { BaseAddress = BaseAddress };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-local-test");
    }

    public static string NewDataDirectory() =>
        Path.Combine(Path.GetTempPath(), "finetune-localprovider-tests", Guid.NewGuid().ToString("N"));

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public OpenAIClient OpenAI { get; }
    public HttpClient Http { get; }

    protected virtual TimeSpan StepDelay => TimeSpan.Zero;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("FineTune:DataDirectory", DataDirectory);
        builder.UseSetting("LocalProvider:StepDelay", StepDelay.ToString());
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public async Task<string> UploadAsync(string jsonl, string filename = "train.jsonl")
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        OpenAIFile file = await OpenAI.GetOpenAIFileClient().UploadFileAsync(content, filename, FileUploadPurpose.FineTune);
        return file.Id;
    }

    public async Task<JsonElement> CreateJobAsync(object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/fine_tuning/jobs") { Content = JsonContent(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await Http.SendAsync(request);
        var json = await ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    // Polls through the SDK (its protocol overload is not public in 2.15), reading the raw JSON.
    public async Task<JsonElement> GetJobAsync(string jobId)
    {
        global::OpenAI.FineTuning.FineTuningJob job = await OpenAI.GetFineTuningClient().GetJobAsync(jobId);
        return JsonDocument.Parse(job.GetRawResponse().Content.ToString()).RootElement.Clone();
    }

    public async Task<JsonElement> WaitForJobAsync(string jobId, Func<JsonElement, bool> condition, string what)
    {
        // A guard against a job that never gets there, not a measure of speed: a busy 2-core machine is slow.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var job = await GetJobAsync(jobId);
            if (condition(job)) return job;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Job {jobId} never became {what}; last seen: {job}");
            await Task.Delay(20);
        }
    }

    public Task<JsonElement> WaitForStatusAsync(string jobId, params string[] statuses) =>
        WaitForJobAsync(jobId, job => statuses.Contains(job.GetProperty("status").GetString()), string.Join(" or ", statuses));

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var json = await ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    public async Task<(int Status, JsonElement Json)> PostAsync(string path, object? body = null)
    {
        using var response = await Http.PostAsync(path, body is null ? null : JsonContent(body));
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    // Every event of a job, newest first, following the after cursor page by page.
    public async Task<List<JsonElement>> GetAllEventsAsync(string jobId, int pageSize = 100)
    {
        var events = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/events?limit={pageSize}" + (after is null ? "" : $"&after={after}"));
            var data = page.GetProperty("data").EnumerateArray().ToList();
            events.AddRange(data);
            if (!page.GetProperty("has_more").GetBoolean() || data.Count == 0) return events;
            after = data[^1].GetProperty("id").GetString();
        }
    }

    public static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Http.Dispose();
            if (_ownsDataDirectory) DeleteDataDirectory(DataDirectory);
        }
    }

    public static void DeleteDataDirectory(string directory)
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

// A server with its own settings and, optionally, a data directory that outlives it.
public sealed class ConfiguredLocalProviderServer(string? dataDirectory, IReadOnlyDictionary<string, string?> settings)
    : LocalProviderServer(dataDirectory, settings)
{
}

// Slow enough to pause and cancel mid-run even on a busy 2-core machine (a 60-step job runs 6 s), fast
// enough for a test.
public sealed class SlowLocalProviderServer : LocalProviderServer
{
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    protected override TimeSpan StepDelay => Step;
}
