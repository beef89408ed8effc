using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using FineTune.Api.Datasets;
using FineTune.Api.Jobs;

namespace FineTune.Api.Bundles;

// Makes a job's or a dataset's bundle (docs/bundles.md): the manifest, the datasets byte for byte from the blob store,
// the job's events, results file and checkpoints, the evals that evaluated it with their finished runs and items, and the
// recordings of its model.
// The zip is written to a temporary file that goes away when the returned stream is closed, so a large dataset is
// streamed from blob to zip to response and never held in memory.
public sealed class BundleExporter(
    JobStore jobs, DatasetStore datasets, EvalStore evals, JobArtifacts artifacts, ProviderConnections connections, BlobStore blobs, TimeProvider time)
{
    public const string EventsPath = "job/events.jsonl";
    public const string ResultsPath = "job/results.csv";
    public const string CheckpointsPath = "job/checkpoints.json";

    public async Task<Stream> ExportJobAsync(FineTuneJob job, CancellationToken cancellationToken)
    {
        var contents = new BundleContents();
        var training = await AddDatasetAsync(contents, job.TrainingDatasetId, BundleDataset.Training);
        var validation = await AddDatasetAsync(contents, job.ValidationDatasetId, BundleDataset.Validation);
        contents.AddText(EventsPath, await EventsJsonlAsync(job.Id));
        var results = await artifacts.ReadResultsFileAsync(job.Id, cancellationToken) is JobOutcome.ResultsFile file
            ? contents.AddBytes(ResultsPath, file.Content.ToArray())
            : null;
        var checkpoints = await artifacts.GetCheckpointsAsync(job.Id, cancellationToken) is JobOutcome.Checkpoints kept
            ? contents.AddText(CheckpointsPath, FineTuneJson.Serialize(new JobCheckpointList(kept.Data)))
            : null;
        var bundleEvals = await AddEvalsAsync(contents, job);
        await AddRecordingsAsync(contents, job);

        var manifest = new BundleManifest
        {
            SchemaVersion = BundleManifest.CurrentSchemaVersion,
            Kind = BundleManifest.JobKind,
            ExportedAt = time.GetUtcNow(),
            Job = new BundleJob
            {
                Id = job.Id,
                Status = job.Status,
                BaseModel = job.Model,
                Method = job.Method,
                ResolvedHyperparameters = job.ResolvedHyperparameters,
                Seed = job.Seed,
                Suffix = job.Suffix,
                FineTunedModel = job.FineTunedModel,
                TrainedTokens = job.TrainedTokens,
                Error = job.Error,
                Metadata = job.Metadata,
                Provider = await ProviderOfAsync(job),
                CreatedAt = job.CreatedAt,
                FinishedAt = job.FinishedAt,
                TrainingDatasetId = training?.Id ?? "",
                ValidationDatasetId = validation?.Id,
                EventsPath = EventsPath,
                ResultsPath = results,
                CheckpointsPath = checkpoints,
            },
            Datasets = contents.Datasets,
            Evals = bundleEvals,
            Files = contents.Files,
        };
        return await WriteZipAsync(manifest, contents, cancellationToken);
    }

    public async Task<Stream> ExportDatasetAsync(DatasetRecord dataset, CancellationToken cancellationToken)
    {
        var contents = new BundleContents();
        contents.AddDataset(dataset, BundleDataset.Standalone);
        var manifest = new BundleManifest
        {
            SchemaVersion = BundleManifest.CurrentSchemaVersion,
            Kind = BundleManifest.DatasetKind,
            ExportedAt = time.GetUtcNow(),
            Datasets = contents.Datasets,
            Files = contents.Files,
        };
        return await WriteZipAsync(manifest, contents, cancellationToken);
    }

    // A dataset deleted since the job ran is left out; the manifest still names the job's id for it.
    private async Task<DatasetRecord?> AddDatasetAsync(BundleContents contents, string? datasetId, string role)
    {
        if (string.IsNullOrEmpty(datasetId) || await datasets.GetAsync(datasetId) is not { } dataset) return null;
        contents.AddDataset(dataset, role);
        return dataset;
    }

    // The recordings of the job's model (its answers kept as datasets): what is left of its behaviour once it shuts down.
    private async Task AddRecordingsAsync(BundleContents contents, FineTuneJob job)
    {
        if (job.FineTunedModel is not { } model) return;
        foreach (var dataset in await datasets.ListAsync(job.WorkspaceId))
        {
            if (dataset.Provenance is { Kind: DatasetProvenance.Recording } provenance && provenance.Model == model)
                contents.AddDataset(dataset, BundleDataset.Recording);
        }
    }

    private async Task<string> EventsJsonlAsync(string jobId)
    {
        var jsonl = new StringBuilder();
        string? after = null;
        JobEventPage page;
        do
        {
            page = await jobs.GetEventsAsync(jobId, after, 10_000);
            foreach (var jobEvent in page.Data) jsonl.Append(FineTuneJson.Serialize(jobEvent)).Append('\n');
            after = page.Data.Count > 0 ? page.Data[^1].Id : after;
        }
        while (page.HasMore);
        return jsonl.ToString();
    }

    // The evals of the job's workspace with a finished run of this job (started from it, or of its fine-tuned model).
    private async Task<IReadOnlyList<BundleEval>> AddEvalsAsync(BundleContents contents, FineTuneJob job)
    {
        var bundleEvals = new List<BundleEval>();
        foreach (var eval in await evals.ListAsync(job.WorkspaceId))
        {
            var runs = (await evals.ListRunsAsync(eval.Id))
                .Where(run => EvalRunStatus.IsFinished(run.Status) && (run.JobId == job.Id || (job.FineTunedModel is not null && run.Model == job.FineTunedModel)))
                .ToList();
            if (runs.Count == 0 || await datasets.GetAsync(eval.DatasetId) is not { } testSet) continue;
            contents.AddDataset(testSet, BundleDataset.TestSet);
            var bundleRuns = new List<BundleEvalRun>();
            foreach (var run in runs)
            {
                var items = string.Concat((await evals.ItemsAsync(run.Id)).Select(item => FineTuneJson.Serialize(item) + "\n"));
                bundleRuns.Add(new BundleEvalRun(run, contents.AddText($"evals/{eval.Id}/runs/{run.Id}.jsonl", items)));
            }
            bundleEvals.Add(new BundleEval(eval, testSet.Id, bundleRuns));
        }
        return bundleEvals;
    }

    // The connection's kind and host only: its key, organization and project stay behind.
    private async Task<BundleProvider> ProviderOfAsync(FineTuneJob job)
    {
        if (job.Bundle is { } kept) return new BundleProvider(kept.ConnectionKind, kept.EndpointHost, job.ProviderJobId);
        var connection = ProviderConnection.IsServer(job.ConnectionId)
            ? connections.ServerConnection(job.WorkspaceId)
            : await connections.FindAsync(job.ConnectionId, job.WorkspaceId);
        var host = Uri.TryCreate(connection?.Endpoint, UriKind.Absolute, out var endpoint) ? endpoint.Host : "";
        return new BundleProvider(connection?.Kind ?? "unknown", host, job.ProviderJobId);
    }

    private async Task<Stream> WriteZipAsync(BundleManifest manifest, BundleContents contents, CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"finetune-bundle-{Guid.NewGuid():N}.zip"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                await WriteEntryAsync(zip, BundleManifest.FileName, new MemoryStream(Encoding.UTF8.GetBytes(FineTuneJson.Serialize(manifest))), cancellationToken);
                foreach (var (path, content) in contents.Texts) await WriteEntryAsync(zip, path, new MemoryStream(content), cancellationToken);
                foreach (var dataset in contents.Datasets) await WriteEntryAsync(zip, dataset.Path, blobs.OpenRead(dataset.Sha256), cancellationToken);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string path, Stream content, CancellationToken cancellationToken)
    {
        await using (content)
        await using (var entry = zip.CreateEntry(path, CompressionLevel.Fastest).Open())
        {
            await content.CopyToAsync(entry, cancellationToken);
        }
    }

    // What goes into the zip besides the manifest: small files made here, and dataset versions (each once) from the blob store.
    private sealed class BundleContents
    {
        private readonly List<BundleFile> _files = [];
        private readonly List<BundleDataset> _datasets = [];
        private readonly List<(string Path, byte[] Content)> _texts = [];

        public IReadOnlyList<BundleFile> Files => _files;
        public IReadOnlyList<BundleDataset> Datasets => _datasets;
        public IReadOnlyList<(string Path, byte[] Content)> Texts => _texts;

        public string AddText(string path, string text) => AddBytes(path, Encoding.UTF8.GetBytes(text));

        public string AddBytes(string path, byte[] content)
        {
            _texts.Add((path, content));
            _files.Add(new BundleFile(path, content.Length, Convert.ToHexStringLower(SHA256.HashData(content))));
            return path;
        }

        public void AddDataset(DatasetRecord dataset, string role)
        {
            if (_datasets.Any(added => added.Id == dataset.Id)) return;
            var path = $"datasets/{dataset.Id}.jsonl";
            _datasets.Add(new BundleDataset(dataset.Id, dataset.Name, role, path, dataset.Sha256, dataset.Bytes, dataset.Version, dataset.CreatedAt)
            {
                Provenance = dataset.Provenance,
            });
            _files.Add(new BundleFile(path, dataset.Bytes, dataset.Sha256));
        }
    }
}
