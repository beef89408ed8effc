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

    private static string JobPath(string id) => $"api/jobs/{Uri.EscapeDataString(id)}";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var token = await tokenSource.GetTokenAsync();
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

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
