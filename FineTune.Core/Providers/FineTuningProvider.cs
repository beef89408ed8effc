using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Core.Jobs;
using OpenAI;
using OpenAI.Files;
using OpenAI.FineTuning;

namespace FineTune.Core.Providers;

// The one adapter between FineTune and an OpenAI-compatible fine-tuning API.
// Files go through the SDK's typed OpenAIFileClient. The SDK exposes fine-tuning jobs mostly as
// protocol methods (and pause/resume not at all), so job calls are sent through FineTuningClient's
// own pipeline (same auth, retries and telemetry) and their JSON is parsed here, and only here.
public sealed class FineTuningProvider
{
    private readonly OpenAIFileClient _files;
    private readonly FineTuningClient _fineTuning;
    private readonly string _jobsUrl;

    public FineTuningProvider(ProviderOptions options)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            OrganizationId = options.Organization,
            ProjectId = options.Project,
        };
        var client = new OpenAIClient(new ApiKeyCredential(options.ApiKey), clientOptions);
        _files = client.GetOpenAIFileClient();
        _fineTuning = client.GetFineTuningClient();
        _jobsUrl = options.Endpoint.TrimEnd('/') + "/fine_tuning/jobs";
    }

    public async Task<string> UploadTrainingFileAsync(Stream content, string fileName, CancellationToken cancellationToken)
    {
        OpenAIFile file = await _files.UploadFileAsync(content, fileName, FileUploadPurpose.FineTune, cancellationToken);
        return file.Id;
    }

    public async Task<ProviderJob> CreateJobAsync(ProviderJobRequest request, string idempotencyKey, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = request.Model,
            ["training_file"] = request.TrainingFileId,
            ["method"] = MethodJson(request.Method),
        };
        if (request.ValidationFileId is not null) body["validation_file"] = request.ValidationFileId;
        if (request.Suffix is not null) body["suffix"] = request.Suffix;
        if (request.Seed is not null) body["seed"] = request.Seed;

        using var json = await SendAsync("POST", _jobsUrl, body, idempotencyKey, cancellationToken);
        return ParseJob(json.RootElement);
    }

    public async Task<ProviderJob> GetJobAsync(string providerJobId, CancellationToken cancellationToken)
    {
        using var json = await SendAsync("GET", $"{_jobsUrl}/{providerJobId}", null, null, cancellationToken);
        return ParseJob(json.RootElement);
    }

    public Task<ProviderJob> CancelJobAsync(string providerJobId, CancellationToken cancellationToken) =>
        ActOnJobAsync(providerJobId, "cancel", cancellationToken);

    public Task<ProviderJob> PauseJobAsync(string providerJobId, CancellationToken cancellationToken) =>
        ActOnJobAsync(providerJobId, "pause", cancellationToken);

    public Task<ProviderJob> ResumeJobAsync(string providerJobId, CancellationToken cancellationToken) =>
        ActOnJobAsync(providerJobId, "resume", cancellationToken);

    // Providers list events newest first. This returns every event newer than knownEventId
    // (all of them when it is null), oldest first, paging back until it meets the known one.
    public async Task<IReadOnlyList<JobEvent>> GetEventsSinceAsync(string providerJobId, string? knownEventId, CancellationToken cancellationToken)
    {
        var newestFirst = new List<JobEvent>();
        string? after = null;
        while (true)
        {
            var url = $"{_jobsUrl}/{providerJobId}/events?limit=100" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            using var json = await SendAsync("GET", url, null, null, cancellationToken);
            var page = json.RootElement;
            foreach (var item in page.GetProperty("data").EnumerateArray())
            {
                var jobEvent = ParseEvent(item);
                if (jobEvent.Id == knownEventId)
                {
                    newestFirst.Reverse();
                    return newestFirst;
                }
                newestFirst.Add(jobEvent);
            }
            var hasMore = page.TryGetProperty("has_more", out var more) && more.GetBoolean();
            if (!hasMore || newestFirst.Count == 0)
            {
                newestFirst.Reverse();
                return newestFirst;
            }
            after = newestFirst[^1].Id;
        }
    }

    private async Task<ProviderJob> ActOnJobAsync(string providerJobId, string action, CancellationToken cancellationToken)
    {
        using var json = await SendAsync("POST", $"{_jobsUrl}/{providerJobId}/{action}", null, null, cancellationToken);
        return ParseJob(json.RootElement);
    }

    private async Task<JsonDocument> SendAsync(string method, string url, JsonNode? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var message = _fineTuning.Pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri = new Uri(url);
        message.Request.Headers.Set("Accept", "application/json");
        if (idempotencyKey is not null) message.Request.Headers.Set("Idempotency-Key", idempotencyKey);
        if (body is not null)
        {
            message.Request.Headers.Set("Content-Type", "application/json");
            message.Request.Content = BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
        }
        message.Apply(new RequestOptions { CancellationToken = cancellationToken });

        await _fineTuning.Pipeline.SendAsync(message);
        var response = message.Response!;
        if (response.IsError) throw new ClientResultException(response);
        return JsonDocument.Parse(response.Content);
    }

    private static JsonObject MethodJson(JobMethod method)
    {
        var hyperparameters = new JsonObject();
        var chosen = method.Hyperparameters;
        hyperparameters["n_epochs"] = chosen?.NEpochs is { } epochs ? epochs : "auto";
        hyperparameters["batch_size"] = chosen?.BatchSize is { } batch ? batch : "auto";
        hyperparameters["learning_rate_multiplier"] = chosen?.LearningRateMultiplier is { } rate ? rate : "auto";
        return new JsonObject
        {
            ["type"] = method.Type,
            [method.Type] = new JsonObject { ["hyperparameters"] = hyperparameters },
        };
    }

    private static ProviderJob ParseJob(JsonElement job)
    {
        JobError? error = null;
        if (job.TryGetProperty("error", out var errorJson) && errorJson.ValueKind == JsonValueKind.Object
            && errorJson.TryGetProperty("message", out var errorMessage) && errorMessage.ValueKind == JsonValueKind.String)
        {
            error = new JobError(OptionalString(errorJson, "code"), errorMessage.GetString()!, OptionalString(errorJson, "param"));
        }
        return new ProviderJob(
            Id: job.GetProperty("id").GetString()!,
            Status: job.GetProperty("status").GetString()!,
            Model: job.GetProperty("model").GetString()!,
            FineTunedModel: OptionalString(job, "fine_tuned_model"),
            TrainedTokens: job.TryGetProperty("trained_tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Number ? tokens.GetInt64() : null,
            FinishedAt: job.TryGetProperty("finished_at", out var finished) && finished.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeSeconds(finished.GetInt64()) : null,
            Error: error);
    }

    private static JobEvent ParseEvent(JsonElement item) => new(
        Id: item.GetProperty("id").GetString()!,
        CreatedAt: DateTimeOffset.FromUnixTimeSeconds(item.GetProperty("created_at").GetInt64()),
        Level: OptionalString(item, "level") ?? "info",
        Type: OptionalString(item, "type") ?? "message",
        Message: OptionalString(item, "message") ?? "",
        Data: item.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data.Clone() : null);

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
