using System.IO.Compression;
using System.Text;
using FineTune.Api.Datasets;

namespace FineTune.Api.Bundles;

// What an import came to: stored, or refused with every problem found (each naming its entry or file), nothing stored.
public abstract record BundleImportOutcome
{
    private BundleImportOutcome() { }

    public sealed record Imported(BundleImportResult Result) : BundleImportOutcome;

    public sealed record Refused(IReadOnlyList<string> Problems) : BundleImportOutcome;
}

// Takes a bundle into a workspace, all or nothing: the body goes to a temporary file (a zip is read from its end, and a
// 500 MB dataset is not held in memory), BundleInspector checks all of it, and only a sound bundle is stored. Datasets
// already in the workspace with the same bytes are reused; the job becomes a read-only record with its events (Source
// "bundle"); evals come back with their finished runs and graded items as history.
public sealed class BundleImporter(BlobStore blobs, DatasetStore datasets, DatasetVersions versions, JobStore jobs, EvalStore evals, TimeProvider time)
{
    public async Task<BundleImportOutcome> ImportAsync(Stream body, string workspaceId, string userId, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"finetune-import-{Guid.NewGuid():N}.zip"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await body.CopyToAsync(file, cancellationToken);
        file.Position = 0;

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            return new BundleImportOutcome.Refused([$"The body is not a zip file: {e.Message}"]);
        }
        using (zip)
        {
            var inspection = await BundleInspector.InspectAsync(zip, cancellationToken);
            if (!inspection.IsSound) return new BundleImportOutcome.Refused(inspection.Problems);
            var manifest = inspection.Manifest!;
            BundleHistory history;
            try
            {
                history = await ReadHistoryAsync(zip, manifest);
            }
            catch (BundleFileException e)
            {
                return new BundleImportOutcome.Refused([e.Message]);
            }
            return new BundleImportOutcome.Imported(await StoreAsync(zip, manifest, history, workspaceId, userId, cancellationToken));
        }
    }

    // The job's events and checkpoints and the runs' items, read (and so checked) before anything is stored.
    private sealed record BundleHistory(IReadOnlyList<JobEvent> Events, IReadOnlyList<JobCheckpoint> Checkpoints, IReadOnlyDictionary<string, List<EvalItemResult>> Items);

    private static async Task<BundleHistory> ReadHistoryAsync(ZipArchive zip, BundleManifest manifest)
    {
        var events = manifest.Job is { } job ? await ReadJsonLinesAsync<JobEvent>(zip, job.EventsPath) : [];
        var checkpoints = manifest.Job?.CheckpointsPath is { } path ? (await ReadJsonAsync<JobCheckpointList>(zip, path)).Data : [];
        var items = new Dictionary<string, List<EvalItemResult>>(StringComparer.Ordinal);
        foreach (var run in manifest.Evals.SelectMany(eval => eval.Runs)) items[run.ItemsPath] = await ReadJsonLinesAsync<EvalItemResult>(zip, run.ItemsPath);
        return new BundleHistory(events, checkpoints, items);
    }

    private async Task<BundleImportResult> StoreAsync(
        ZipArchive zip, BundleManifest manifest, BundleHistory history, string workspaceId, string userId, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, DatasetRecord>(StringComparer.Ordinal);
        var existing = (await datasets.ListAsync(workspaceId, int.MaxValue)).GroupBy(dataset => dataset.Sha256).ToDictionary(group => group.Key, group => group.First());
        foreach (var dataset in manifest.Datasets)
        {
            if (!existing.TryGetValue(dataset.Sha256, out var record))
            {
                var training = dataset.Id == manifest.Job?.TrainingDatasetId;
                await using var content = zip.GetEntry(dataset.Path)!.Open();
                record = await versions.CreateAsync(content, dataset.Name, workspaceId, userId,
                    training ? manifest.Job!.BaseModel : null, training ? manifest.Job!.Method.Type : null, dataset.Provenance, cancellationToken);
                existing[record.Sha256] = record;
            }
            stored[dataset.Id] = record;
        }

        var job = manifest.Job is { } bundled ? await StoreJobAsync(zip, bundled, history, stored, workspaceId, userId, cancellationToken) : null;
        var imported = new List<Eval>();
        foreach (var bundleEval in manifest.Evals)
        {
            imported.Add(await StoreEvalAsync(bundleEval, history, stored[bundleEval.TestSetDatasetId], job, manifest.Job?.Id, workspaceId, userId));
        }
        return new BundleImportResult([.. stored.Values.DistinctBy(dataset => dataset.Id)], job?.Id, imported);
    }

    // The events first, then the record, so the job never shows without its history.
    private async Task<FineTuneJob> StoreJobAsync(
        ZipArchive zip, BundleJob bundled, BundleHistory history, Dictionary<string, DatasetRecord> stored, string workspaceId, string userId,
        CancellationToken cancellationToken)
    {
        var jobId = "job_" + Guid.NewGuid().ToString("N")[..16];
        await jobs.AppendEventsAsync(jobId, [.. history.Events.Select(jobEvent => jobEvent with { Sequence = 0 })]);

        string? resultsSha256 = null;
        if (bundled.ResultsPath is not null)
        {
            await using var results = zip.GetEntry(bundled.ResultsPath)!.Open();
            resultsSha256 = (await blobs.PutAsync(results, cancellationToken)).Sha256;
        }

        var job = new FineTuneJob
        {
            Id = jobId,
            WorkspaceId = workspaceId,
            Status = bundled.Status,
            Model = bundled.BaseModel,
            FineTunedModel = bundled.FineTunedModel,
            ProviderJobId = bundled.Provider.ProviderJobId,
            TrainingDatasetId = stored.GetValueOrDefault(bundled.TrainingDatasetId)?.Id ?? "",
            ValidationDatasetId = bundled.ValidationDatasetId is { } validation ? stored.GetValueOrDefault(validation)?.Id : null,
            Method = bundled.Method,
            Suffix = bundled.Suffix,
            Seed = bundled.Seed,
            CreatedBy = userId,
            CreatedAt = bundled.CreatedAt,
            FinishedAt = bundled.FinishedAt,
            TrainedTokens = bundled.TrainedTokens,
            Error = bundled.Error,
            ResolvedHyperparameters = bundled.ResolvedHyperparameters,
            Metadata = bundled.Metadata,
            Source = FineTuneJob.BundleSource,
            Bundle = new JobBundleOrigin(bundled.Id, bundled.Provider.ConnectionKind, bundled.Provider.EndpointHost, userId, time.GetUtcNow(),
                history.Checkpoints, resultsSha256),
        };
        await jobs.SaveAndPublishAsync(job);
        return job;
    }

    // Only finished runs: a queued one would be picked up by the Worker and run against this workspace's connections.
    private async Task<Eval> StoreEvalAsync(
        BundleEval bundleEval, BundleHistory history, DatasetRecord testSet, FineTuneJob? job, string? sourceJobId, string workspaceId, string userId)
    {
        var eval = bundleEval.Eval with
        {
            Id = "eval_" + Guid.NewGuid().ToString("N")[..16],
            WorkspaceId = workspaceId,
            DatasetId = testSet.Id,
            DatasetSha256 = testSet.Sha256,
            CreatedBy = userId,
        };
        await evals.SaveAsync(eval);
        foreach (var bundleRun in bundleEval.Runs.Where(bundleRun => EvalRunStatus.IsFinished(bundleRun.Run.Status)))
        {
            var run = bundleRun.Run with
            {
                Id = "evalrun_" + Guid.NewGuid().ToString("N")[..16],
                EvalId = eval.Id,
                WorkspaceId = workspaceId,
                ConnectionId = null,
                JobId = bundleRun.Run.JobId is not null && bundleRun.Run.JobId == sourceJobId ? job?.Id : null,
            };
            foreach (var item in history.Items[bundleRun.ItemsPath]) await evals.AddItemAsync(run.Id, item);
            await evals.SaveRunAsync(run);
        }
        return eval;
    }

    // One JSON value a line; a line that is not one is refused, naming the file and the line.
    private static async Task<List<T>> ReadJsonLinesAsync<T>(ZipArchive zip, string path) =>
        [.. (await ReadTextAsync(zip, path)).Split('\n')
            .Select((line, index) => (line, index))
            .Where(numbered => !string.IsNullOrWhiteSpace(numbered.line))
            .Select(numbered => Parse<T>(numbered.line, $"{path}, line {numbered.index + 1}"))];

    private static async Task<T> ReadJsonAsync<T>(ZipArchive zip, string path) => Parse<T>(await ReadTextAsync(zip, path), path);

    private static async Task<string> ReadTextAsync(ZipArchive zip, string path)
    {
        using var reader = new StreamReader(zip.GetEntry(path)!.Open(), Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static T Parse<T>(string json, string where)
    {
        try
        {
            return FineTuneJson.Deserialize<T>(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new BundleFileException($"{where} is not a {typeof(T).Name}: {e.Message}");
        }
    }

    private sealed class BundleFileException(string message) : Exception(message);
}
