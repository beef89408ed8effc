using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Api.Audit;
using StackExchange.Redis;

namespace FineTune.Bench.Api;

// A year of a busy team's workspace, written as FineTune writes it: datasets uploaded through the Api (real text: the
// repository's samples), jobs and their histories through JobStore, the audit log through the Api's AuditLog.
public static class WorkspaceSeed
{
    public sealed record Seeded(IReadOnlyList<string> JobIds, long EventCount, IReadOnlyList<string> DatasetIds, int AuditEntries);

    private static readonly string[] Samples = ["capitals-train.jsonl", "docs-questions.jsonl"];
    private static readonly string[] Members = [.. Enumerable.Range(0, 10).Select(i => $"usr_member{i:D2}")];

    // The provider's event id of a job's index-th event (0 is the first).
    public static string EventId(string jobId, int index) => $"ftevent-{jobId[4..]}-{index:D4}";

    public static async Task<Seeded> WriteAsync(HttpClient admin, IConnectionMultiplexer redis, int jobCount, int eventsPerJob, int datasetCount)
    {
        var random = new Random(1);
        var datasetIds = await UploadDatasetsAsync(admin, datasetCount);
        var jobs = new JobStore(redis);
        var yearAgo = DateTimeOffset.UtcNow.AddDays(-365);
        var saved = new List<FineTuneJob>();
        for (var i = 0; i < jobCount; i++)
        {
            var createdAt = yearAgo.AddSeconds(i * 365.0 * 24 * 3600 / jobCount);
            var roll = random.NextDouble();
            var status = roll < 0.85 ? JobStatus.Succeeded : roll < 0.95 ? JobStatus.Failed : JobStatus.Cancelled;
            var id = $"job_{i:D6}{random.Next():x8}00";
            saved.Add(new FineTuneJob
            {
                Id = id,
                Status = status,
                Model = random.Next(3) == 0 ? "gpt-4.1-nano" : "gpt-4.1-mini",
                FineTunedModel = status == JobStatus.Succeeded ? $"ft:gpt-4.1-mini:team:run{i}:{id[^8..]}" : null,
                ProviderJobId = $"ftjob-{id[4..]}",
                TrainingDatasetId = datasetIds[random.Next(datasetIds.Count)],
                Method = new JobMethod("supervised", new JobHyperparameters(NEpochs: 3)),
                ResolvedHyperparameters = new JobHyperparameters(3, 1, 2.0),
                Suffix = $"run{i}",
                Seed = i,
                CreatedBy = Members[random.Next(Members.Length)],
                CreatedAt = createdAt,
                FinishedAt = createdAt.AddMinutes(40),
                TrainedTokens = 120_000,
                Error = status == JobStatus.Failed ? new JobError("invalid_training_file", "Line 12: the last message must be from the assistant.", "training_file") : null,
            });
        }
        foreach (var batch in saved.Chunk(500)) await Task.WhenAll(batch.Select(jobs.SaveAsync));
        foreach (var batch in saved.Chunk(50)) await Task.WhenAll(batch.Select(job => jobs.AppendEventsAsync(job.Id, History(job, eventsPerJob))));

        var auditEntries = await WriteAuditLogAsync(redis, saved, datasetIds, random);
        return new Seeded([.. saved.Select(job => job.Id)], (long)jobCount * eventsPerJob, datasetIds, auditEntries + datasetCount);
    }

    private static async Task<List<string>> UploadDatasetsAsync(HttpClient admin, int count)
    {
        var ids = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, cancellationToken) =>
        {
            var sample = Samples[i % Samples.Length];
            using var content = new StreamContent(File.OpenRead(Path.Combine(AppContext.BaseDirectory, sample)));
            var response = await admin.PostAsync($"/api/datasets?name={i:D4}-{sample}", content, cancellationToken);
            response.EnsureSuccessStatusCode();
            ids[i] = (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options, cancellationToken))!.Id;
        });
        return [.. ids];
    }

    // What the provider reports of a job: its start, a metrics event per step, its end.
    private static List<JobEvent> History(FineTuneJob job, int count)
    {
        var events = new List<JobEvent>(count);
        var steps = count - 3;
        events.Add(Message(job, 0, "Validating training file: " + job.TrainingDatasetId));
        events.Add(Message(job, 1, "Fine-tuning job started"));
        for (var step = 1; step <= steps; step++)
        {
            var loss = 2.4 * Math.Exp(-step / (double)steps * 2.5) + 0.05 * Math.Sin(step);
            var data = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["step"] = step,
                ["total_steps"] = steps,
                ["train_loss"] = Math.Round(loss, 4),
                ["train_mean_token_accuracy"] = Math.Round(1 - loss / 3, 4),
            });
            events.Add(new JobEvent(EventId(job.Id, step + 1), job.CreatedAt.AddSeconds(20 * step), "info", "metrics",
                string.Create(CultureInfo.InvariantCulture, $"Step {step}/{steps}: training loss={loss:F4}"), data));
        }
        events.Add(Message(job, count - 1, job.Status == JobStatus.Succeeded ? "The job has successfully completed" : $"The job has {job.Status}"));
        return events;
    }

    private static JobEvent Message(FineTuneJob job, int index, string text) =>
        new(EventId(job.Id, index), job.CreatedAt.AddSeconds(index), "info", "message", text, null);

    // The log the Api would have written for these jobs, filled up to its capacity with the most frequent acts of a team
    // that gates every change on an eval: runs started, datasets exported.
    private static async Task<int> WriteAuditLogAsync(IConnectionMultiplexer redis, List<FineTuneJob> jobs, List<string> datasetIds, Random random)
    {
        var clock = new SeedClock();
        var audit = new AuditLog(redis, clock);
        var acts = new List<(DateTimeOffset At, string Actor, string Action, string TargetType, string TargetId)>();
        foreach (var job in jobs)
        {
            acts.Add((job.CreatedAt, job.CreatedBy, AuditAction.JobCreated, "job", job.Id));
            if (job.Status == JobStatus.Cancelled) acts.Add((job.CreatedAt.AddMinutes(5), job.CreatedBy, AuditAction.JobCancelled, "job", job.Id));
        }
        var span = jobs[^1].CreatedAt - jobs[0].CreatedAt;
        while (acts.Count < AuditLog.Capacity - datasetIds.Count)
        {
            var at = jobs[0].CreatedAt + span * random.NextDouble();
            var actor = Members[random.Next(Members.Length)];
            acts.Add(random.Next(3) == 0
                ? (at, actor, AuditAction.DatasetExported, "dataset", datasetIds[random.Next(datasetIds.Count)])
                : (at, actor, AuditAction.EvalRunStarted, "job", jobs[random.Next(jobs.Count)].Id));
        }
        // One at a time: the clock is shared, and the log is written in time order as it would have been.
        foreach (var act in acts.OrderBy(act => act.At))
        {
            clock.Now = act.At;
            await audit.RecordAsync(Workspace.DefaultId, act.Actor, act.Actor, act.Action, act.TargetType, act.TargetId, null, null);
        }
        return acts.Count;
    }

    private sealed class SeedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
