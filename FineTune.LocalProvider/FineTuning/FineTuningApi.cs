using System.Security.Cryptography;
using System.Text.Json;
using FineTune.LocalProvider.Files;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.LocalProvider.FineTuning;

public sealed record FineTuningServices(JobStore Jobs, JobQueue Queue, FileStore Files, TimeProvider Time, ILogger<JobStore> Logger);

public static class FineTuningApi
{
    public const int MaxSuffixLength = 64;

    public static IEndpointRouteBuilder MapFineTuningApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapOpenAIGroup("v1/fine_tuning/jobs", "Fine-tuning");
        api.MapPost("", CreateJob).WithName("CreateFineTuningJob").WithSummary("Create a fine-tuning job (honours Idempotency-Key)");
        api.MapGet("", ListJobs).WithName("ListFineTuningJobs").WithSummary("List jobs, newest first");
        api.MapGet("{jobId}", GetJob).WithName("GetFineTuningJob").WithSummary("Retrieve a job");
        api.MapPost("{jobId}/cancel", CancelJob).WithName("CancelFineTuningJob").WithSummary("Cancel a job");
        api.MapPost("{jobId}/pause", PauseJob).WithName("PauseFineTuningJob").WithSummary("Pause a running job");
        api.MapPost("{jobId}/resume", ResumeJob).WithName("ResumeFineTuningJob").WithSummary("Resume a paused job");
        api.MapGet("{jobId}/events", ListEvents).WithName("ListFineTuningEvents").WithSummary("List a job's events, newest first");
        api.MapGet("{jobId}/checkpoints", ListCheckpoints).WithName("ListFineTuningCheckpoints").WithSummary("List a job's checkpoints, newest first");
        return app;
    }

    public static async Task<Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>>> CreateJob(
        HttpRequest request, [AsParameters] FineTuningServices services, CancellationToken cancellationToken)
    {
        var idempotencyKey = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (idempotencyKey is not null && services.Jobs.FindByIdempotencyKey(idempotencyKey) is { } earlier)
            return TypedResults.Ok(earlier.ToObject());

        if (await JsonBody.ReadObjectAsync(request, cancellationToken) is not { } body)
            return OpenAIErrors.BadRequest("We could not parse the JSON body of your request. The body must be a JSON object.");
        var parsed = ParseRequest(body, services.Files);
        if (parsed.Error is not null) return parsed.Error;

        var seed = body.Integer("seed") ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        var job = new FineTuningJob(OpenAIIds.New("ftjob-"), services.Jobs.NextSequence(), parsed.Request!, seed, services.Time);
        var (stored, created) = services.Jobs.Add(job, idempotencyKey);
        if (created)
        {
            services.Logger.LogInformation("Created job {JobId} on {Model} with training file {FileId}", job.Id, job.Request.Model, job.Request.TrainingFile);
            services.Queue.Enqueue(job.Id);
        }
        return TypedResults.Ok(stored.ToObject());
    }

    public static Results<Ok<ListPage<FineTuningJobObject>>, JsonHttpResult<OpenAIErrorBody>> ListJobs(
        JobStore jobs, string? after, int? limit)
    {
        if (limit is < 1 or > 100) return LimitError(100);
        var page = ListPage.Create(jobs.NewestFirst(), job => job.Id, after, limit ?? 20);
        return TypedResults.Ok(new ListPage<FineTuningJobObject>(page.Data.Select(job => job.ToObject()).ToList(), page.FirstId, page.LastId, page.HasMore));
    }

    public static Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>> GetJob(string jobId, JobStore jobs) =>
        jobs.Find(jobId) is { } job ? TypedResults.Ok(job.ToObject()) : JobNotFound(jobId);

    public static Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>> CancelJob(string jobId, JobStore jobs) =>
        Act(jobId, jobs, job => job.Cancel());

    public static Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>> PauseJob(string jobId, JobStore jobs) =>
        Act(jobId, jobs, job => job.Pause());

    public static Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>> ResumeJob(string jobId, JobStore jobs, JobQueue queue) =>
        Act(jobId, jobs, job =>
        {
            var error = job.Resume();
            if (error is null) queue.Enqueue(job.Id);
            return error;
        });

    public static Results<Ok<ListPage<JobEventObject>>, JsonHttpResult<OpenAIErrorBody>> ListEvents(
        string jobId, JobStore jobs, string? after, int? limit)
    {
        if (jobs.Find(jobId) is not { } job) return JobNotFound(jobId);
        if (limit is < 1 or > 1000) return LimitError(1000);
        return TypedResults.Ok(job.EventsNewestFirst(after, limit ?? 20));
    }

    public static Results<Ok<ListPage<CheckpointObject>>, JsonHttpResult<OpenAIErrorBody>> ListCheckpoints(
        string jobId, JobStore jobs, string? after, int? limit)
    {
        if (jobs.Find(jobId) is not { } job) return JobNotFound(jobId);
        if (limit is < 1 or > 100) return LimitError(100);
        return TypedResults.Ok(job.CheckpointsNewestFirst(after, limit ?? 10));
    }

    private static Results<Ok<FineTuningJobObject>, JsonHttpResult<OpenAIErrorBody>> Act(string jobId, JobStore jobs, Func<FineTuningJob, string?> action)
    {
        if (jobs.Find(jobId) is not { } job) return JobNotFound(jobId);
        return action(job) is { } error ? OpenAIErrors.BadRequest(error, null, "invalid_job_state") : TypedResults.Ok(job.ToObject());
    }

    private static JsonHttpResult<OpenAIErrorBody> JobNotFound(string jobId) =>
        OpenAIErrors.NotFound($"Could not find fine-tuning job with id {jobId}.", "fine_tuning_job_id", "fine_tuning_job_not_found");

    private static JsonHttpResult<OpenAIErrorBody> LimitError(int max) =>
        OpenAIErrors.BadRequest($"limit must be between 1 and {max}.", "limit", "invalid_value");

    private static (JobRequest? Request, JsonHttpResult<OpenAIErrorBody>? Error) ParseRequest(JsonElement body, FileStore files)
    {
        if (body.String("model") is not { } model) return Missing("model");
        if (ModelRegistry.BaseModelOf(model) is null)
            return Fail($"Model {model} is not available for fine-tuning or does not exist.", "model", "model_not_available");

        if (body.String("training_file") is not { } trainingFile) return Missing("training_file");
        if (CheckFile(files, trainingFile, "training_file") is { } trainingError) return (null, trainingError);
        var validationFile = body.String("validation_file");
        if (validationFile is not null && CheckFile(files, validationFile, "validation_file") is { } validationError) return (null, validationError);

        var suffix = body.String("suffix");
        if (body.Has("suffix") && suffix is null) return Fail("suffix must be a string.", "suffix", "invalid_type");
        if (suffix is { Length: > MaxSuffixLength })
            return Fail($"suffix must be at most {MaxSuffixLength} characters.", "suffix", "invalid_value");
        if (suffix is not null && suffix.Contains(':'))
            return Fail("suffix must not contain ':', which separates the parts of a model name.", "suffix", "invalid_value");

        if (body.Has("seed") && body.Integer("seed") is not >= 0)
            return Fail("seed must be an integer between 0 and 2147483647.", "seed", "invalid_value");

        JsonElement? hyperparameters = body.Object("hyperparameters");
        var hyperparametersParam = "hyperparameters";
        var methodType = MethodTypes.Supervised;
        if (body.Has("method"))
        {
            if (body.Object("method") is not { } method) return Fail("method must be an object.", "method", "invalid_type");
            methodType = method.String("type") ?? MethodTypes.Supervised;
            if (methodType is not (MethodTypes.Supervised or MethodTypes.Dpo))
                return Fail($"The local provider trains with method type 'supervised' or 'dpo', not '{methodType}'.", "method.type", "unsupported_value");
            hyperparameters = method.Object(methodType)?.Object("hyperparameters") ?? hyperparameters;
            hyperparametersParam = $"method.{methodType}.hyperparameters";
        }

        int? epochs = null, batchSize = null;
        double? learningRate = null, beta = null;
        if (methodType == MethodTypes.Dpo && hyperparameters is { } dpo)
        {
            if (Choice(dpo, "beta", 1e-6, 2, wholeNumber: false, hyperparametersParam, out var chosenBeta) is { } betaError) return (null, betaError);
            beta = chosenBeta;
        }
        if (hyperparameters is { } chosen)
        {
            if (Choice(chosen, "n_epochs", 1, 50, wholeNumber: true, hyperparametersParam, out var e) is { } epochsError) return (null, epochsError);
            if (Choice(chosen, "batch_size", 1, 256, wholeNumber: true, hyperparametersParam, out var b) is { } batchError) return (null, batchError);
            if (Choice(chosen, "learning_rate_multiplier", 1e-6, 10, wholeNumber: false, hyperparametersParam, out var l) is { } rateError) return (null, rateError);
            epochs = (int?)e;
            batchSize = (int?)b;
            learningRate = l;
        }
        Dictionary<string, string>? metadata = null;
        if (body.Has("metadata"))
        {
            if (body.Object("metadata") is not { } given) return Fail("metadata must be an object of string values.", "metadata", "invalid_type");
            metadata = [];
            foreach (var pair in given.EnumerateObject())
            {
                if (pair.Value.ValueKind != JsonValueKind.String) return Fail($"metadata.{pair.Name} must be a string.", $"metadata.{pair.Name}", "invalid_type");
                if (pair.Name.Length > 64) return Fail("metadata keys must be at most 64 characters.", "metadata", "invalid_value");
                if (pair.Value.GetString()!.Length > 512) return Fail("metadata values must be at most 512 characters.", $"metadata.{pair.Name}", "invalid_value");
                metadata[pair.Name] = pair.Value.GetString()!;
            }
            if (metadata.Count > 16) return Fail("metadata can have at most 16 keys.", "metadata", "invalid_value");
        }
        return (new JobRequest(model, trainingFile, validationFile, suffix, epochs, batchSize, learningRate, methodType, beta, metadata), null);
    }

    // A hyperparameter is absent or "auto" (null), or a number within its range.
    private static JsonHttpResult<OpenAIErrorBody>? Choice(JsonElement hyperparameters, string name, double min, double max, bool wholeNumber, string param, out double? value)
    {
        value = null;
        if (!hyperparameters.TryGetProperty(name, out var json) || json.ValueKind == JsonValueKind.Null) return null;
        if (json.ValueKind == JsonValueKind.String && json.GetString() == "auto") return null;
        if (json.ValueKind == JsonValueKind.Number && json.TryGetDouble(out var number)
            && number >= min && number <= max && (!wholeNumber || number == Math.Floor(number)))
        {
            value = number;
            return null;
        }
        var kind = wholeNumber ? "an integer" : "a number";
        return OpenAIErrors.BadRequest($"{name} must be 'auto' or {kind} between {min} and {max}.", $"{param}.{name}", "invalid_value");
    }

    private static JsonHttpResult<OpenAIErrorBody>? CheckFile(FileStore files, string fileId, string param)
    {
        if (files.Find(fileId) is not { } file)
            return OpenAIErrors.BadRequest($"invalid {param}: {fileId} does not exist.", param, "file_not_found");
        if (file.Purpose != "fine-tune")
            return OpenAIErrors.BadRequest($"File {fileId} has purpose '{file.Purpose}'; fine-tuning needs purpose 'fine-tune'.", param, "invalid_file_purpose");
        return null;
    }

    private static (JobRequest?, JsonHttpResult<OpenAIErrorBody>?) Missing(string param) =>
        Fail($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    private static (JobRequest?, JsonHttpResult<OpenAIErrorBody>?) Fail(string message, string param, string code) =>
        (null, OpenAIErrors.BadRequest(message, param, code));
}
