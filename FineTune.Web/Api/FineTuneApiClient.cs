using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FineTune.Core;
using FineTune.Core.Datasets;
using FineTune.Core.Jobs;

namespace FineTune.Web.Api;

// The Api as the Web uses it: one method per route, every call carrying the token of whoever the client
// was created for (the signed-in user in a circuit, or an explicit token in the hub and at login).
public sealed class FineTuneApiClient(HttpClient http, IApiTokenSource tokenSource)
{
    public const string HttpClientName = "api";

    public Task<ApiUser> GetMeAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ApiUser>(HttpMethod.Get, "api/me", null, cancellationToken);

    public Task<IReadOnlyList<DatasetRecord>> GetDatasetsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<DatasetRecord>>(HttpMethod.Get, "api/datasets", null, cancellationToken);

    public Task<DatasetRecord> GetDatasetAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetRecord>(HttpMethod.Get, $"api/datasets/{Uri.EscapeDataString(id)}", null, cancellationToken);

    // Streams the file to the Api as the raw request body; nothing is buffered here.
    public Task<DatasetRecord> UploadDatasetAsync(string name, Stream jsonl, long? length, CancellationToken cancellationToken = default)
    {
        var content = new StreamContent(jsonl);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        content.Headers.ContentLength = length;
        return SendAsync<DatasetRecord>(HttpMethod.Post, $"api/datasets?name={Uri.EscapeDataString(name)}", content, cancellationToken);
    }

    public Task<IReadOnlyList<DatasetModel>> GetDatasetModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<DatasetModel>>(HttpMethod.Get, "api/datasets/models", null, cancellationToken);

    // The stored dataset checked again against another model; stores nothing.
    public Task<DatasetReport> ValidateDatasetAsync(string id, string model, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetReport>(HttpMethod.Post, $"{DatasetPath(id)}/validate?model={Uri.EscapeDataString(model)}", null, cancellationToken);

    public Task<DatasetExamplePage> GetDatasetExamplesAsync(string id, int offset, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetExamplePage>(HttpMethod.Get, $"{DatasetPath(id)}/examples?offset={offset}&limit={limit}", null, cancellationToken);

    // Stores a new version of the dataset with line `line` replaced by `exampleJson`.
    public Task<DatasetRecord> ReplaceDatasetExampleAsync(string id, int line, string exampleJson, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetRecord>(HttpMethod.Put, $"{DatasetPath(id)}/examples/{line}",
            new StringContent(exampleJson, System.Text.Encoding.UTF8, "application/json"), cancellationToken);

    public Task<DatasetSplit> SplitDatasetAsync(string id, SplitDatasetRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetSplit>(HttpMethod.Post, $"{DatasetPath(id)}/split", JsonBody(request), cancellationToken);

    private static string DatasetPath(string id) => $"api/datasets/{Uri.EscapeDataString(id)}";

    public Task<IReadOnlyList<FineTuneJob>> GetJobsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<FineTuneJob>>(HttpMethod.Get, "api/jobs", null, cancellationToken);

    public Task<FineTuneJob> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Get, JobPath(id), null, cancellationToken);

    public Task<FineTuneJob> CreateJobAsync(CreateJobRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, "api/jobs", JsonBody(request), cancellationToken);

    // A small body with a Content-Length, rather than JsonContent's chunked stream.
    private static StringContent JsonBody<T>(T value) =>
        new(FineTuneJson.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    public Task<JobEventPage> GetJobEventsAsync(string id, string? after, CancellationToken cancellationToken = default) =>
        SendAsync<JobEventPage>(
            HttpMethod.Get,
            after is null ? $"{JobPath(id)}/events" : $"{JobPath(id)}/events?after={Uri.EscapeDataString(after)}",
            null,
            cancellationToken);

    // All events after `after` (all of them when null), oldest first, following the pages.
    public async Task<IReadOnlyList<JobEvent>> GetAllJobEventsAsync(string id, string? after, CancellationToken cancellationToken = default)
    {
        var events = new List<JobEvent>();
        while (true)
        {
            var page = await GetJobEventsAsync(id, after, cancellationToken);
            events.AddRange(page.Data);
            if (!page.HasMore || page.Data.Count == 0)
            {
                return events;
            }
            after = page.Data[^1].Id;
        }
    }

    public Task<FineTuneJob> CancelJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/cancel", null, cancellationToken);

    public Task<FineTuneJob> PauseJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/pause", null, cancellationToken);

    public Task<FineTuneJob> ResumeJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/resume", null, cancellationToken);

    // The create-job form sends one key per form instance, so a double submit or a retry makes one job.
    public Task<FineTuneJob> CreateJobAsync(CreateJobRequest request, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, "api/jobs", JsonBody(request), cancellationToken,
            message => message.Headers.Add("Idempotency-Key", idempotencyKey));

    public Task<IReadOnlyList<ModelInfo>> GetModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ModelInfo>>(HttpMethod.Get, "api/models", null, cancellationToken);

    public Task<JobEstimate> EstimateJobAsync(JobEstimateRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<JobEstimate>(HttpMethod.Post, "api/jobs/estimate", JsonBody(request), cancellationToken);

    public Task<JobCheckpointList> GetJobCheckpointsAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<JobCheckpointList>(HttpMethod.Get, $"{JobPath(id)}/checkpoints", null, cancellationToken);

    // Null while the job has no results file yet.
    public async Task<JobResults?> GetJobResultsAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<JobResults>(HttpMethod.Get, $"{JobPath(id)}/results", null, cancellationToken);
        }
        catch (FineTuneApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<string> GetJobResultsCsvAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, $"{JobPath(id)}/results.csv", null);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public Task<IReadOnlyList<PlaygroundPrompt>> GetPlaygroundPromptsAsync(string datasetId, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PlaygroundPrompt>>(HttpMethod.Get, $"api/playground/prompts?datasetId={Uri.EscapeDataString(datasetId)}&limit={limit}", null, cancellationToken);

    // The model's answer as the Api streams it (server-sent events), chunk by chunk; the last has Done set.
    public async IAsyncEnumerable<PlaygroundChunk> StreamChatAsync(
        PlaygroundChatRequest chat, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = await CreateRequestAsync(HttpMethod.Post, "api/playground/chat", JsonBody(chat));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new FineTuneApiException($"The playground did not reach the Api: {ex.Message}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                yield return FineTuneJson.Deserialize<PlaygroundChunk>(item.Data);
            }
        }
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (await tokenSource.GetTokenAsync() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static string JobPath(string id) => $"api/jobs/{Uri.EscapeDataString(id)}";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
    {
        using var request = await CreateRequestAsync(method, path, content);
        configure?.Invoke(request);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Connection refused, DNS, resilience timeouts and an open circuit breaker all mean the same to a user.
            throw new FineTuneApiException($"{method} {path} did not reach the Api: {ex.Message}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
            return await response.Content.ReadFromJsonAsync<T>(FineTuneJson.Options, cancellationToken)
                ?? throw new FineTuneApiException(response.StatusCode, $"The Api answered {method} {path} with an empty body.");
        }
    }

    private static async Task<FineTuneApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var problem = await TryReadProblemAsync(response, cancellationToken);
        var message = problem?.Detail ?? problem?.Title ?? $"The Api answered {(int)status} {response.ReasonPhrase}";
        var errors = problem is null ? null : new Dictionary<string, string[]>(problem.Errors);
        return new FineTuneApiException(status, message, errors);
    }

    private static async Task<HttpValidationProblemDetails?> TryReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return null;
        }
        try
        {
            return await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(FineTuneJson.Options, cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
