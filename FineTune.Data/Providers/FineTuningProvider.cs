using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Files;
using OpenAI.FineTuning;

namespace FineTune.Data;

// The one adapter between FineTune and an OpenAI-compatible fine-tuning API. Every call goes through the
// OpenAI SDK: files through OpenAIFileClient, models through OpenAIModelClient, chat through ChatClient, and
// fine-tuning jobs through FineTuningClient's typed methods (GetJobAsync, GetJobsAsync, and on a job
// CancelAndUpdateAsync, GetEventsAsync, GetCheckpointsAsync), which also page the lists. Its protocol methods
// (BinaryContent in, JSON out) are used only where no typed method can say it: creating a job and pausing
// or resuming one. What the provider answered is read from the response JSON, here and only here: the
// SDK's public models leave out fields FineTune keeps (a job's creation and finish times and its error, an
// event's level), read a not yet resolved "auto" hyperparameter as 0 and turn checkpoint metrics into floats.
public sealed class FineTuningProvider
{
    private readonly OpenAIFileClient _files;
    private readonly FineTuningClient _fineTuning;
    private readonly OpenAIClient _client;

    // Events and checkpoints are asked for 100 at a time, the most OpenAI returns in one page.
    private const int PageSize = 100;

    // http: the client requests go out on (GuardedHttpClient for a workspace's connection), or null for the SDK's
    // own. perTryPolicies run before every request that leaves for the provider (the Worker's request budget).
    public FineTuningProvider(ProviderOptions options, HttpClient? http = null, IEnumerable<PipelinePolicy>? perTryPolicies = null)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            OrganizationId = options.Organization,
            ProjectId = options.Project,
        };
        clientOptions.RetryPolicy = new ProviderRetryPolicy(options.MaxRetries ?? ProviderRetryPolicy.DefaultMaxRetries);
        if (options.NetworkTimeout is { } timeout) clientOptions.NetworkTimeout = timeout;
        if (http is not null) clientOptions.Transport = new HttpClientPipelineTransport(http);
        foreach (var policy in perTryPolicies ?? []) clientOptions.AddPolicy(policy, PipelinePosition.PerTry);
        var client = new OpenAIClient(new ApiKeyCredential(options.ApiKey), clientOptions);
        _client = client;
        _files = client.GetOpenAIFileClient();
        _fineTuning = client.GetFineTuningClient();
    }

    // A file in one request (files.create), as the SDK sends it.
    public async Task<string> UploadTrainingFileAsync(Stream content, string fileName, CancellationToken cancellationToken)
    {
        OpenAIFile file = await _files.UploadFileAsync(content, fileName, FileUploadPurpose.FineTune, cancellationToken);
        return file.Id;
    }

    // Whether the provider still has the file, fit for fine-tuning: one deleted there, or that failed its processing,
    // is not reused. Protocol method, so a 404 is an answer rather than an exception.
    public async Task<bool> HasFileAsync(string fileId, CancellationToken cancellationToken)
    {
        var result = await _files.GetFileAsync(fileId, NoThrow(cancellationToken));
        var response = result.GetRawResponse();
        if (response.Status == 404) return false;
        if (response.IsError) throw new ClientResultException(response);
        using var json = ReadJson(result);
        return OptionalString(json.RootElement, "status") is not ("error" or "deleted");
    }

    // The Uploads API, for files too big for one request: create, add parts, complete with the parts in order. The SDK
    // has only protocol methods for it. Null when the provider has no Uploads API (it answers 404): send the file whole.
    public async Task<string?> CreateUploadAsync(string fileName, long bytes, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["filename"] = fileName, ["purpose"] = "fine-tune", ["bytes"] = bytes, ["mime_type"] = "text/jsonl" };
        var result = await _files.CreateUploadAsync(BinaryContent.Create(BinaryData.FromString(body.ToJsonString())), NoThrow(cancellationToken));
        var response = result.GetRawResponse();
        if (response.Status == 404) return null;
        if (response.IsError) throw new ClientResultException(response);
        using var json = ReadJson(result);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    // Sends bytes [offset, offset + count) of a seekable stream as one part, streamed (never held in memory).
    public async Task<string> AddUploadPartAsync(string uploadId, Stream file, long offset, long count, CancellationToken cancellationToken)
    {
        using var part = new MultipartPart(file, offset, count);
        var result = await _files.AddUploadPartAsync(uploadId, part, part.ContentType, new RequestOptions { CancellationToken = cancellationToken });
        using var json = ReadJson(result);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    // The file the parts became.
    public async Task<string> CompleteUploadAsync(string uploadId, IReadOnlyList<string> partIds, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["part_ids"] = new JsonArray([.. partIds.Select(id => (JsonNode)id)]) };
        var result = await _files.CompleteUploadAsync(
            uploadId, BinaryContent.Create(BinaryData.FromString(body.ToJsonString())), new RequestOptions { CancellationToken = cancellationToken });
        using var json = ReadJson(result);
        return json.RootElement.GetProperty("file").GetProperty("id").GetString()!;
    }

    public Task<ProviderJob> CreateJobAsync(ProviderJobRequest request, string idempotencyKey, CancellationToken cancellationToken) =>
        CreateJobAsync(request, metadata: null, idempotencyKey, cancellationToken);

    // Metadata: up to 16 string pairs the provider keeps with the job (OpenAI's limits are checked by the Api).
    // The protocol method, because the typed FineTuneAsync takes no request options, so no Idempotency-Key
    // header, and knows only the supervised and DPO methods.
    public async Task<ProviderJob> CreateJobAsync(
        ProviderJobRequest request, IReadOnlyDictionary<string, string>? metadata, string idempotencyKey, CancellationToken cancellationToken)
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
        if (request.TrainingType is not null) body["trainingType"] = request.TrainingType;
        if (metadata is { Count: > 0 }) body["metadata"] = new JsonObject(metadata.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value)));

        var options = new RequestOptions { CancellationToken = cancellationToken };
        options.SetHeader("Idempotency-Key", idempotencyKey);
        var job = await _fineTuning.FineTuneAsync(BinaryContent.Create(BinaryData.FromString(body.ToJsonString())), waitUntilCompleted: false, options);
        return ParseJob(job);
    }

    public async Task<ProviderJob> GetJobAsync(string providerJobId, CancellationToken cancellationToken) =>
        ParseJob(await _fineTuning.GetJobAsync(providerJobId, cancellationToken));

    // One page of the provider's jobs, newest first (GET /fine_tuning/jobs?after=&limit=).
    public async Task<ProviderJobPage> ListJobsAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        var jobs = _fineTuning.GetJobsAsync(new FineTuningJobCollectionOptions { AfterJobId = after, PageSize = limit }, cancellationToken);
        await foreach (var page in jobs.GetRawPagesAsync())
        {
            using var json = ReadJson(page);
            var root = json.RootElement;
            var hasMore = root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True;
            return new ProviderJobPage(root.GetProperty("data").EnumerateArray().Select(ParseJob).ToList(), hasMore);
        }
        return new ProviderJobPage([], HasMore: false);
    }

    // The SDK cancels through a job object, so this reads the job first.
    public async Task<ProviderJob> CancelJobAsync(string providerJobId, CancellationToken cancellationToken)
    {
        var job = await _fineTuning.GetJobAsync(providerJobId, cancellationToken);
        await job.CancelAndUpdateAsync(cancellationToken);
        return ParseJob(job);
    }

    // Protocol methods: the SDK has no typed pause or resume.
    public async Task<ProviderJob> PauseJobAsync(string providerJobId, CancellationToken cancellationToken)
    {
        using var json = ReadJson(await _fineTuning.PauseFineTuningJobAsync(providerJobId, new RequestOptions { CancellationToken = cancellationToken }));
        return ParseJob(json.RootElement);
    }

    public async Task<ProviderJob> ResumeJobAsync(string providerJobId, CancellationToken cancellationToken)
    {
        using var json = ReadJson(await _fineTuning.ResumeFineTuningJobAsync(providerJobId, new RequestOptions { CancellationToken = cancellationToken }));
        return ParseJob(json.RootElement);
    }

    // Every event newer than knownEventId (all of them when it is null), oldest first.
    public async Task<IReadOnlyList<JobEvent>> GetEventsSinceAsync(string providerJobId, string? knownEventId, CancellationToken cancellationToken) =>
        await EventsSinceAsync(await _fineTuning.GetJobAsync(providerJobId, cancellationToken), knownEventId, cancellationToken);

    // The job first, then its events, through the one job object the SDK lists events from: what a poll reads,
    // in two requests (more when the events fill several pages). Every event behind the state returned is there.
    public async Task<(ProviderJob Job, IReadOnlyList<JobEvent> Events)> GetJobAndEventsSinceAsync(
        string providerJobId, string? knownEventId, CancellationToken cancellationToken)
    {
        var job = await _fineTuning.GetJobAsync(providerJobId, cancellationToken);
        return (ParseJob(job), await EventsSinceAsync(job, knownEventId, cancellationToken));
    }

    // Every checkpoint of the job, newest first as providers list them, with the job they were read through.
    public async Task<(ProviderJob Job, IReadOnlyList<JobCheckpoint> Checkpoints)> GetJobAndCheckpointsAsync(
        string providerJobId, CancellationToken cancellationToken)
    {
        var job = await _fineTuning.GetJobAsync(providerJobId, cancellationToken);
        var checkpoints = new List<JobCheckpoint>();
        await foreach (var page in job.GetCheckpointsAsync(new GetCheckpointsOptions { PageSize = PageSize }, cancellationToken).GetRawPagesAsync())
        {
            using var json = ReadJson(page);
            var data = json.RootElement.GetProperty("data");
            if (data.GetArrayLength() == 0) break;
            checkpoints.AddRange(data.EnumerateArray().Select(ParseCheckpoint));
        }
        return (ParseJob(job), checkpoints);
    }

    // Providers list events newest first: this pages back until it meets the known event, and returns
    // what came after it oldest first. The SDK asks for the next page only when this one did not end it.
    private static async Task<IReadOnlyList<JobEvent>> EventsSinceAsync(FineTuningJob job, string? knownEventId, CancellationToken cancellationToken)
    {
        var newestFirst = new List<JobEvent>();
        await foreach (var page in job.GetEventsAsync(new GetEventsOptions { PageSize = PageSize }, cancellationToken).GetRawPagesAsync())
        {
            using var json = ReadJson(page);
            var data = json.RootElement.GetProperty("data");
            if (data.GetArrayLength() == 0) break;
            foreach (var item in data.EnumerateArray())
            {
                var jobEvent = ParseEvent(item);
                if (jobEvent.Id == knownEventId)
                {
                    newestFirst.Reverse();
                    return newestFirst;
                }
                newestFirst.Add(jobEvent);
            }
        }
        newestFirst.Reverse();
        return newestFirst;
    }

    // The provider's models (base, fine-tuned and checkpoints). The protocol method, because the SDK's model leaves out
    // shutdown_date: a date ("2027-01-14") in OpenAI's reference, read as unix seconds too, as other dates are.
    public async Task<IReadOnlyList<ProviderModel>> ListModelsAsync(CancellationToken cancellationToken)
    {
        using var json = ReadJson(await _client.GetOpenAIModelClient().GetModelsAsync(new RequestOptions { CancellationToken = cancellationToken }));
        return json.RootElement.GetProperty("data").EnumerateArray().Select(model => new ProviderModel(
            model.GetProperty("id").GetString()!,
            OptionalNumber(model, "created") is { } created ? DateTimeOffset.FromUnixTimeSeconds((long)created) : DateTimeOffset.UnixEpoch,
            OptionalString(model, "owned_by") ?? "",
            ShutdownDate(model))).ToList();
    }

    private static DateOnly? ShutdownDate(JsonElement model)
    {
        if (OptionalNumber(model, "shutdown_date") is { } seconds) return DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeSeconds((long)seconds).UtcDateTime);
        var text = OptionalString(model, "shutdown_date");
        return DateOnly.TryParseExact(text?[..Math.Min(10, text.Length)], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date : null;
    }

    // A file's content, such as a job's results CSV.
    public async Task<BinaryData> DownloadFileAsync(string fileId, CancellationToken cancellationToken) =>
        (await _files.DownloadFileAsync(fileId, cancellationToken)).Value;

    // A chat answer token by token, through the SDK's ChatClient.
    public async IAsyncEnumerable<PlaygroundChunk> StreamChatAsync(
        PlaygroundChatRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messages = request.Messages.Select(ToChatMessage).ToList();
        var options = new ChatCompletionOptions
        {
            Temperature = request.Temperature is { } temperature ? (float)temperature : null,
            MaxOutputTokenCount = request.MaxTokens,
        };
        string? finishReason = null;
        int? outputTokens = null;
        var updates = _client.GetChatClient(request.Model).CompleteChatStreamingAsync(messages, options, cancellationToken);
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                if (!string.IsNullOrEmpty(part.Text)) yield return new PlaygroundChunk(part.Text);
            }
            if (update.FinishReason is { } reason) finishReason = reason.ToString();
            if (update.Usage is { } usage) outputTokens = usage.OutputTokenCount;
        }
        yield return new PlaygroundChunk(null, Done: true, FinishReason: finishReason, OutputTokens: outputTokens);
    }

    // One answer, whole: what an eval asks the model under test and its judges.
    public async Task<ChatAnswer> CompleteChatAsync(
        string model, IReadOnlyList<ChatTurn> messages, double? temperature, int? maxTokens, int? seed, CancellationToken cancellationToken)
    {
        var options = new ChatCompletionOptions
        {
            Temperature = temperature is { } value ? (float)value : null,
            MaxOutputTokenCount = maxTokens,
        };
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK; OpenAI's API takes it.
        options.Seed = seed;
#pragma warning restore OPENAI001
        ChatCompletion completion = await _client.GetChatClient(model).CompleteChatAsync(messages.Select(ToChatMessage), options, cancellationToken);
        return new ChatAnswer(
            string.Concat(completion.Content.Select(part => part.Text)), completion.Usage?.InputTokenCount ?? 0, completion.Usage?.OutputTokenCount ?? 0);
    }

    // The text's embedding, or null when the provider has no embeddings endpoint (404).
    public async Task<IReadOnlyList<float>?> EmbedAsync(string model, string text, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["model"] = model, ["input"] = text };
        var result = await _client.GetEmbeddingClient(model).GenerateEmbeddingsAsync(
            BinaryContent.Create(BinaryData.FromString(body.ToJsonString())), NoThrow(cancellationToken));
        var response = result.GetRawResponse();
        if (response.Status == 404) return null;
        if (response.IsError) throw new ClientResultException(response);
        using var json = ReadJson(result);
        return [.. json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(value => value.GetSingle())];
    }

    private static ChatMessage ToChatMessage(ChatTurn turn) => turn.Role switch
    {
        "system" => new SystemChatMessage(turn.Content),
        "developer" => new DeveloperChatMessage(turn.Content),
        "assistant" => new AssistantChatMessage(turn.Content),
        _ => new UserChatMessage(turn.Content),
    };

    private static ProviderJobDetails ParseJobDetails(JsonElement job)
    {
        JobHyperparameters? hyperparameters = null;
        // method.<type>.hyperparameters, or the deprecated top-level hyperparameters.
        JsonElement chosen = default;
        if (job.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.Object && OptionalString(method, "type") is { } type
            && method.TryGetProperty(type, out var typed) && typed.ValueKind == JsonValueKind.Object
            && typed.TryGetProperty("hyperparameters", out var h) && h.ValueKind == JsonValueKind.Object)
            chosen = h;
        else if (job.TryGetProperty("hyperparameters", out var top) && top.ValueKind == JsonValueKind.Object)
            chosen = top;
        if (chosen.ValueKind == JsonValueKind.Object)
        {
            var epochs = OptionalNumber(chosen, "n_epochs");
            var batch = OptionalNumber(chosen, "batch_size");
            var rate = OptionalNumber(chosen, "learning_rate_multiplier");
            if (epochs is not null || batch is not null || rate is not null)
                hyperparameters = new JobHyperparameters((int?)epochs, (int?)batch, rate);
        }

        var resultFiles = job.TryGetProperty("result_files", out var files) && files.ValueKind == JsonValueKind.Array
            ? files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.String).Select(f => f.GetString()!).ToList()
            : [];
        DateTimeOffset? estimatedFinish = OptionalNumber(job, "estimated_finish") is { } finish ? DateTimeOffset.FromUnixTimeSeconds((long)finish) : null;
        Dictionary<string, string>? metadata = null;
        if (job.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            metadata = meta.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new ProviderJobDetails(hyperparameters, resultFiles, estimatedFinish, metadata);
    }

    private static JobCheckpoint ParseCheckpoint(JsonElement item)
    {
        var metrics = item.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        double? Metric(string name) => metrics.ValueKind == JsonValueKind.Object ? OptionalNumber(metrics, name) : null;
        return new JobCheckpoint(
            Id: item.GetProperty("id").GetString()!,
            CreatedAt: DateTimeOffset.FromUnixTimeSeconds(item.GetProperty("created_at").GetInt64()),
            FineTunedModelCheckpoint: OptionalString(item, "fine_tuned_model_checkpoint") ?? "",
            StepNumber: (int)(OptionalNumber(item, "step_number") ?? Metric("step") ?? 0),
            Metrics: new JobCheckpointMetrics(
                Metric("train_loss"), Metric("train_mean_token_accuracy"), Metric("valid_loss"),
                Metric("valid_mean_token_accuracy"), Metric("full_valid_loss"), Metric("full_valid_mean_token_accuracy")));
    }

    private static double? OptionalNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : null;

    private static JsonDocument ReadJson(ClientResult result) => JsonDocument.Parse(result.GetRawResponse().Content);

    private static RequestOptions NoThrow(CancellationToken cancellationToken) =>
        new() { CancellationToken = cancellationToken, ErrorOptions = ClientErrorBehaviors.NoThrow };

    // The job as the provider's last answer about it (a read, a create or a cancel) describes it.
    private static ProviderJob ParseJob(FineTuningJob job)
    {
        using var json = JsonDocument.Parse(job.GetRawResponse().Content);
        return ParseJob(json.RootElement);
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
            Error: error)
        {
            Details = ParseJobDetails(job),
            CreatedAt = OptionalNumber(job, "created_at") is { } created ? DateTimeOffset.FromUnixTimeSeconds((long)created) : null,
            TrainingFileId = OptionalString(job, "training_file"),
            ValidationFileId = OptionalString(job, "validation_file"),
            Suffix = OptionalString(job, "user_provided_suffix"),
            Seed = OptionalNumber(job, "seed") is { } seed ? (int)seed : null,
            MethodType = job.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.Object ? OptionalString(method, "type") : null,
        };
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
