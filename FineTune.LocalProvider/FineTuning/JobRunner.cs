using System.Globalization;
using System.Text;
using FineTune.LocalProvider.Files;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.OpenAI;
using FineTune.LocalProvider.Training;
using Microsoft.Extensions.Options;
using JobStatus = FineTune.Contracts.JobStatus;

namespace FineTune.LocalProvider.FineTuning;

// Takes jobs off the queue and runs them: validate the files, train step by step (stopping
// between steps when the job is paused or cancelled), then publish the model and results.
public sealed class JobRunner(
    JobQueue queue,
    JobStore jobs,
    FileStore files,
    ModelRegistry models,
    IOptions<LocalProviderOptions> options,
    TimeProvider time,
    ILogger<JobRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Jobs the previous process left unfinished go first, in the order they were created.
        foreach (var job in jobs.OldestFirst())
        {
            if (job.RecoverAfterRestart()) queue.Enqueue(job.Id);
        }

        using var slots = new SemaphoreSlim(options.Value.MaxConcurrentJobs);
        var running = new List<Task>();
        try
        {
            await foreach (var jobId in queue.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                running.RemoveAll(task => task.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try { await RunAsync(jobId, stoppingToken); }
                    finally { slots.Release(); }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(running);
    }

    private async Task RunAsync(string jobId, CancellationToken cancellationToken)
    {
        if (jobs.Find(jobId) is not { } job) return;
        await job.Execution.WaitAsync(cancellationToken);
        try
        {
            job.Training ??= job.Status == JobStatus.ValidatingFiles
                ? await PrepareAsync(job, cancellationToken)
                : await RestoreAsync(job, cancellationToken);
            if (job.Training is not { } training) return;
            var message = training.Run.CompletedSteps == 0 ? "Fine-tuning job started" : "Fine-tuning job resumed";
            if (!job.TryMove(JobStatus.Queued, JobStatus.Running, message)) return;
            logger.LogInformation("Job {JobId} is running from step {Step} of {TotalSteps}", job.Id, training.Run.CompletedSteps, training.Run.TotalSteps);
            await TrainAsync(job, training, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Job {JobId} failed in the trainer", job.Id);
            job.Fail(new JobErrorObject("server_error", $"The local trainer failed: {exception.Message}", null));
        }
        finally
        {
            job.Execution.Release();
        }
    }

    private async Task<JobTraining?> PrepareAsync(FineTuningJob job, CancellationToken cancellationToken)
    {
        var request = job.Request;
        job.AddEvent("info", request.ValidationFile is null
            ? $"Validating training file: {request.TrainingFile}"
            : $"Validating training file: {request.TrainingFile} and validation file: {request.ValidationFile}");

        var training = await LoadAsync(job, request.TrainingFile, "training", cancellationToken);
        if (training is null) return null;
        IReadOnlyList<TrainingExample> validation = [];
        if (request.ValidationFile is not null)
        {
            var loaded = await LoadAsync(job, request.ValidationFile, "validation", cancellationToken);
            if (loaded is null) return null;
            validation = loaded.Examples;
        }

        var settings = Resolve(request, training.Examples.Count, job.Seed);
        var run = new TrainingRun(training.Examples, validation, settings);
        var modelName = $"ft:{request.Model}:{ModelRegistry.Organization}:{request.Suffix}:{OpenAIIds.New("", 8)}";
        job.Resolve(settings, modelName);
        if (!job.TryMove(JobStatus.ValidatingFiles, JobStatus.Queued, "Files validated, moving job to queued state")) return null;
        logger.LogInformation("Job {JobId} validated {ExampleCount} examples: {Epochs} epochs of {StepsPerEpoch} steps",
            job.Id, training.Examples.Count, settings.Epochs, run.StepsPerEpoch);
        return new JobTraining(run, modelName, training.BillableTokens * settings.Epochs);
    }

    // A job that was queued, running or paused when the previous process stopped: the same run,
    // continued from its latest checkpoint (or from the start when it had none yet).
    private async Task<JobTraining?> RestoreAsync(FineTuningJob job, CancellationToken cancellationToken)
    {
        if (job.Settings is not { } settings || job.PlannedModel is not { } modelName)
        {
            job.Fail(new JobErrorObject("server_error", "The job's training state was lost in a restart of the local provider.", null));
            return null;
        }
        var training = await LoadAsync(job, job.Request.TrainingFile, "training", cancellationToken);
        if (training is null) return null;
        IReadOnlyList<TrainingExample> validation = [];
        if (job.Request.ValidationFile is { } validationFile)
        {
            var loaded = await LoadAsync(job, validationFile, "validation", cancellationToken);
            if (loaded is null) return null;
            validation = loaded.Examples;
        }
        var run = new TrainingRun(training.Examples, validation, settings);
        if (job.LatestCheckpoint is { } checkpoint && models.FindFineTuned(checkpoint.FineTunedModelCheckpoint) is { } saved)
            run.RestoreFrom(saved.Model, checkpoint.StepNumber);
        logger.LogInformation("Job {JobId} restored at step {Step} of {TotalSteps}", job.Id, run.CompletedSteps, run.TotalSteps);
        return new JobTraining(run, modelName, training.BillableTokens * settings.Epochs);
    }

    // A checked file's examples, and its billable tokens per epoch as the dataset checker counts them (o200k).
    private sealed record CheckedFile(IReadOnlyList<TrainingExample> Examples, long BillableTokens);

    // kind is "training" or "validation"; OpenAI names the failing parameter and error after it.
    private async Task<CheckedFile?> LoadAsync(FineTuningJob job, string fileId, string kind, CancellationToken cancellationToken)
    {
        var param = $"{kind}_file";
        var code = $"invalid_{kind}_file";
        if (files.Find(fileId) is not { } file)
        {
            job.Fail(new JobErrorObject(code, $"The {kind} file {fileId} no longer exists.", param));
            return null;
        }

        var isDpo = job.Request.Method == MethodTypes.Dpo;
        var checkOptions = new DatasetCheckOptions
        {
            Method = job.Request.Method,
            Model = job.Request.Model,
        };
        DatasetReport report;
        await using (var content = files.OpenRead(file))
            report = await DatasetValidator.ValidateAsync(content, checkOptions, cancellationToken);
        if (!report.Valid)
        {
            var problems = report.Errors.Take(3).Select(error => error.Line > 0 ? $"Line {error.Line}: {error.Message}" : error.Message);
            var more = report.Errors.Count > 3 ? $" ({report.Errors.Count - 3} more)" : "";
            job.Fail(new JobErrorObject(code, $"The {kind} file {fileId} is invalid. {string.Join(" ", problems)}{more}", param));
            logger.LogInformation("Job {JobId} failed: {Kind} file {FileId} has {ErrorCount} errors", job.Id, kind, fileId, report.Errors.Count);
            return null;
        }

        await using (var content = files.OpenRead(file))
        {
            var examples = isDpo
                ? await TrainingData.LoadPreferencesAsync(content, cancellationToken)
                : await TrainingData.LoadAsync(content, cancellationToken);
            if (examples.Count > 0) return new CheckedFile(examples, report.Tokens?.Billable ?? 0);
        }
        job.Fail(new JobErrorObject(code, $"The {kind} file {fileId} has no assistant message with a non-zero weight to learn from.", param));
        return null;
    }

    // "auto" as OpenAI resolves it, by the same rule as FineTune's estimate.
    private static TrainingSettings Resolve(JobRequest request, int exampleCount, int seed) => new(
        Epochs: request.NEpochs ?? TrainingEstimate.DefaultEpochs(exampleCount),
        BatchSize: Math.Min(request.BatchSize ?? TrainingEstimate.DefaultBatchSize(exampleCount), exampleCount),
        LearningRateMultiplier: request.LearningRateMultiplier ?? TrainingEstimate.DefaultLearningRateMultiplier,
        Seed: seed,
        Beta: request.Beta ?? 0.1,
        Method: request.Method);

    private async Task TrainAsync(FineTuningJob job, JobTraining training, CancellationToken cancellationToken)
    {
        var run = training.Run;
        var delay = options.Value.StepDelay;
        // Steps already reported before a restart are trained again silently: the run is
        // deterministic, so they come out as they were reported.
        var reported = job.LastReportedStep;
        var lastCheckpoint = job.LatestCheckpoint?.StepNumber ?? 0;
        var started = time.GetUtcNow();
        var startStep = run.CompletedSteps;
        while (!run.IsComplete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Taken before the status check, so that a pause after the check still cuts the delay short.
            var wake = job.WakeToken;
            if (job.Status != JobStatus.Running)
            {
                logger.LogInformation("Job {JobId} stopped at step {Step}: {Status}", job.Id, run.CompletedSteps, job.Status);
                return;
            }

            var metrics = run.NextStep();
            if (job.Status == JobStatus.Cancelled) return;
            var full = metrics.EndsEpoch ? run.EvaluateFullValidation() : null;
            if (metrics.Step > reported) Record(job, metrics, full, run.TotalSteps);
            if (metrics.EndsEpoch && metrics.Step > lastCheckpoint) AddCheckpoint(job, training, metrics, full);
            if (metrics.Step <= reported) continue;

            var perStep = (time.GetUtcNow() - started) / (run.CompletedSteps - startStep);
            job.EstimateFinish(time.GetUtcNow() + perStep * (run.TotalSteps - run.CompletedSteps));
            if (delay > TimeSpan.Zero && !run.IsComplete)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(wake, cancellationToken);
                try
                {
                    await Task.Delay(delay, time, stop.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }
        }

        var csv = new MemoryStream(Encoding.UTF8.GetBytes(ResultsCsv(job.MetricsByStep())));
        var resultFile = await files.SaveAsync(csv, "step_metrics.csv", "fine-tune-results", cancellationToken);
        // Registered before the job says succeeded, so a client that sees success can use the model.
        models.Add(new FineTunedModel(training.ModelName, job.Request.Model, time.GetUtcNow(), run.Model));
        if (!job.Succeed(training.ModelName, training.TrainedTokens, resultFile.Id))
        {
            models.Remove(training.ModelName);
            return;
        }
        logger.LogInformation("Job {JobId} succeeded: {Model} after {TotalSteps} steps", job.Id, training.ModelName, run.TotalSteps);
    }

    private static void Record(FineTuningJob job, StepMetrics metrics, Evaluation? full, int totalSteps)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"Step {metrics.Step}/{totalSteps}: training loss={metrics.TrainLoss:F4}")
            + (metrics.ValidLoss is { } validLoss ? string.Create(CultureInfo.InvariantCulture, $", validation loss={validLoss:F4}") : "")
            + (full is not null ? string.Create(CultureInfo.InvariantCulture, $", full validation loss={full.Loss:F4}") : "");
        job.AddEvent("info", message, new MetricsData(metrics.Step, metrics.TrainLoss, metrics.TrainMeanTokenAccuracy, totalSteps,
            metrics.ValidLoss, metrics.ValidMeanTokenAccuracy, full?.Loss, full?.MeanTokenAccuracy), "metrics");
    }

    // OpenAI's results file: one row per step, validation columns empty where not measured.
    public static string ResultsCsv(IEnumerable<MetricsData> steps)
    {
        var csv = new StringBuilder("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");
        foreach (var step in steps)
            csv.Append(CultureInfo.InvariantCulture, $"{step.Step},{step.TrainLoss},{step.TrainMeanTokenAccuracy},{step.ValidLoss},{step.ValidMeanTokenAccuracy}\n");
        return csv.ToString();
    }

    private void AddCheckpoint(FineTuningJob job, JobTraining training, StepMetrics metrics, Evaluation? full)
    {
        var name = $"{training.ModelName}:ckpt-step-{metrics.Step}";
        var now = time.GetUtcNow();
        models.Add(new FineTunedModel(name, job.Request.Model, now, training.Run.Model.Snapshot()));
        var dropped = job.AddCheckpoint(new CheckpointObject(
            OpenAIIds.New("ftckpt-"), now.ToUnixTimeSeconds(), name, job.Id,
            new CheckpointMetrics(metrics.Step, metrics.TrainLoss, metrics.TrainMeanTokenAccuracy,
                metrics.ValidLoss, metrics.ValidMeanTokenAccuracy, full?.Loss, full?.MeanTokenAccuracy),
            metrics.Step));
        foreach (var checkpoint in dropped) models.Remove(checkpoint.FineTunedModelCheckpoint);
    }
}
