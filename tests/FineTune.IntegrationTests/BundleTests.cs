using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using FineTune.Cli;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Bundles through the real Api, Worker and LocalProvider: a job trained and evaluated in one workspace, exported, and
// imported into another with the same bytes, events, checkpoints, results and eval runs; and bad zips refused whole.
public sealed class BundleTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);
    private const string ConnectionKey = "sk-never-in-a-bundle-7f3a";

    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task A_job_exported_as_a_bundle_comes_back_in_another_workspace_with_the_same_bytes_events_and_eval_runs()
    {
        var exporter = await TestAccounts.RegisterAsync(Api, "Exporter");
        var importer = await TestAccounts.RegisterAsync(Api, "Importer");
        using var source = exporter.Client(Api);
        using var target = importer.Client(Api);

        var uploaded = await ApiCalls.UploadSampleAsync(source);
        var split = await source.PostAsJsonAsync($"/api/datasets/{uploaded.Id}/split", new { validationRatio = 0.4, seed = 3 });
        var parts = (await split.Content.ReadFromJsonAsync<DatasetSplit>(FineTuneJson.Options))!;
        var connection = await CreateConnectionAsync(source);
        var created = await source.PostAsJsonAsync("/api/jobs", new CreateJobRequest(parts.Training.Id, "gpt-4.1-mini", parts.Validation.Id,
            new JobMethod("supervised", new JobHyperparameters(NEpochs: 3)), Suffix: "kept", Seed: 5, ConnectionId: connection.Id), FineTuneJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var job = await ApiCalls.WaitUntilTerminalAsync(source, (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!.Id, Deadline, () => stack.Logs);
        Assert.True(job.Status == JobStatus.Succeeded, $"{job.Status}: {job.Error}\n{stack.Logs}");
        var eval = await ApiCalls.CreateEvalAsync(source, "kept exact", parts.Training.Id, ApiCalls.ExactAnswer);
        var run = await ApiCalls.RunEvalToEndAsync(
            source, eval.Id, new CreateEvalRunRequest(job.FineTunedModel!, connection.Id, Temperature: 0, Seed: 1), Deadline, () => stack.Logs);

        var bundle = await source.GetByteArrayAsync($"/api/jobs/{job.Id}/bundle");

        // The manifest says what the job was, where it ran (kind and host, never the key), and hashes every file.
        var manifest = ReadManifest(bundle);
        Assert.Equal(BundleManifest.CurrentSchemaVersion, manifest.SchemaVersion);
        Assert.Equal((job.Id, "gpt-4.1-mini", "supervised", 5, "kept", job.FineTunedModel),
            (manifest.Job!.Id, manifest.Job.BaseModel, manifest.Job.Method.Type, manifest.Job.Seed, manifest.Job.Suffix, manifest.Job.FineTunedModel));
        Assert.Equal(job.ResolvedHyperparameters, manifest.Job.ResolvedHyperparameters);
        Assert.Equal(new BundleProvider(ProviderConnectionKind.Local, "127.0.0.1", job.ProviderJobId), manifest.Job.Provider);
        Assert.DoesNotContain(ConnectionKey, Encoding.UTF8.GetString(UnzipAll(bundle)));
        Assert.Equal([parts.Training.Sha256, parts.Validation.Sha256], manifest.Datasets.Select(d => d.Sha256));
        Assert.Equal(await source.GetByteArrayAsync($"/api/datasets/{parts.Training.Id}/content"), Entry(bundle, manifest.Datasets[0].Path));
        Assert.NotNull(manifest.Job.ResultsPath);
        Assert.NotNull(manifest.Job.CheckpointsPath);
        Assert.Equal(run.Id, Assert.Single(Assert.Single(manifest.Evals).Runs).Run.Id);

        // finetune bundle inspect finds every file with its hash.
        var path = Path.Combine(stack.DataDirectory, $"{job.Id}.bundle.zip");
        await File.WriteAllBytesAsync(path, bundle);
        var (exitCode, output) = await InspectAsync(path);
        Assert.True(exitCode == 0, output);
        Assert.All(manifest.Files, file => Assert.Contains($"ok             {file.Path}", output));

        var response = await target.PostAsync("/api/bundles", new ByteArrayContent(bundle));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var imported = (await response.Content.ReadFromJsonAsync<BundleImportResult>(FineTuneJson.Options))!;
        Assert.Equal([parts.Training.Sha256, parts.Validation.Sha256], imported.Datasets.Select(d => d.Sha256));
        Assert.All(imported.Datasets, dataset => Assert.Equal(importer.WorkspaceId, dataset.WorkspaceId));
        Assert.Equal(await source.GetByteArrayAsync($"/api/datasets/{parts.Validation.Id}/content"),
            await target.GetByteArrayAsync($"/api/datasets/{imported.Datasets[1].Id}/content"));

        // The job: a read-only record with the same history, checkpoints and results, which no Worker polls.
        var copy = (await target.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{imported.JobId}", FineTuneJson.Options))!;
        Assert.Equal((FineTuneJob.BundleSource, JobStatus.Succeeded, job.FineTunedModel, job.ProviderJobId, importer.WorkspaceId),
            (copy.Source, copy.Status, copy.FineTunedModel, copy.ProviderJobId, copy.WorkspaceId));
        Assert.Equal((imported.Datasets[0].Id, imported.Datasets[1].Id), (copy.TrainingDatasetId, copy.ValidationDatasetId));
        Assert.Equal(job.Id, copy.Bundle!.SourceJobId);
        Assert.Equal(await EventsAsync(source, job.Id), await EventsAsync(target, copy.Id));
        Assert.Equal(await source.GetStringAsync($"/api/jobs/{job.Id}/checkpoints"), await target.GetStringAsync($"/api/jobs/{copy.Id}/checkpoints"));
        Assert.Equal(await source.GetByteArrayAsync($"/api/jobs/{job.Id}/results.csv"), await target.GetByteArrayAsync($"/api/jobs/{copy.Id}/results.csv"));
        Assert.Equal(HttpStatusCode.Conflict, (await target.PostAsync($"/api/jobs/{copy.Id}/cancel", null)).StatusCode);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString))
        {
            Assert.False(await redis.GetDatabase().SetContainsAsync(RedisKeys.ActiveJobs, copy.Id));
            Assert.Equal(job.Id, (await redis.GetDatabase().HashGetAsync(JobStore.ProviderJobIndex, job.ProviderJobId)).ToString());
        }

        // The eval, its run and its graded items, as history.
        var copiedEval = Assert.Single(imported.Evals);
        Assert.Equal((eval.Name, imported.Datasets[0].Id), (copiedEval.Name, copiedEval.DatasetId));
        var copiedRun = Assert.Single((await target.GetFromJsonAsync<List<EvalRun>>($"/api/evals/{copiedEval.Id}/runs", FineTuneJson.Options))!);
        Assert.Equal((EvalRunStatus.Completed, run.Counts, run.PassRate, job.FineTunedModel), (copiedRun.Status, copiedRun.Counts, copiedRun.PassRate, copiedRun.Model));
        var items = (await target.GetFromJsonAsync<EvalItemPage>($"/api/evals/{copiedEval.Id}/runs/{copiedRun.Id}/items?limit=1000", FineTuneJson.Options))!;
        var originalItems = (await source.GetFromJsonAsync<EvalItemPage>($"/api/evals/{eval.Id}/runs/{run.Id}/items?limit=1000", FineTuneJson.Options))!;
        Assert.Equal(originalItems.Items.Select(FineTuneJson.Serialize), items.Items.Select(FineTuneJson.Serialize));

        // Imported again: the same bytes are the same datasets.
        var again = (await (await target.PostAsync("/api/bundles", new ByteArrayContent(bundle))).Content.ReadFromJsonAsync<BundleImportResult>(FineTuneJson.Options))!;
        Assert.Equal(imported.Datasets.Select(d => d.Id), again.Datasets.Select(d => d.Id));
        Assert.NotEqual(imported.JobId, again.JobId);
        var audit = await target.GetStringAsync("/api/audit?action=bundle.");
        Assert.Contains(AuditAction.BundleImported, audit);
    }

    [Fact]
    public async Task Each_kind_of_bad_zip_is_refused_naming_its_problem_and_nothing_is_stored()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        var importer = await TestAccounts.RegisterAsync(Api, "Importer");
        using var source = owner.Client(Api);
        using var target = importer.Client(Api);
        var dataset = await ApiCalls.UploadSampleAsync(source);
        var bundle = await source.GetByteArrayAsync($"/api/datasets/{dataset.Id}/bundle");
        var datasetPath = $"datasets/{dataset.Id}.jsonl";

        var bad = new (string Kind, byte[] Zip, string Named)[]
        {
            ("traversal entry", Rewrite(bundle, zip => WriteEntry(zip, "../escaped.jsonl", "{}")), "'../escaped.jsonl' is outside the bundle's root"),
            ("absolute entry", Rewrite(bundle, zip => WriteEntry(zip, "/etc/cron.d/x", "{}")), "'/etc/cron.d/x' is outside the bundle's root"),
            ("wrong hash", Rewrite(bundle, zip => ChangeOneByte(zip, datasetPath)), $"{datasetPath} does not match its sha256"),
            ("missing manifest", Rewrite(bundle, zip => zip.GetEntry(BundleManifest.FileName)!.Delete()), "manifest.json is missing"),
            ("missing file", Rewrite(bundle, zip => zip.GetEntry(datasetPath)!.Delete()), $"{datasetPath} is missing from the zip"),
            ("other schema", Rewrite(bundle, zip => ReplaceManifest(zip, "finetune.bundle/1", "finetune.bundle/9")), "schema version 'finetune.bundle/9'"),
            ("unlisted entry", Rewrite(bundle, zip => WriteEntry(zip, "datasets/extra.jsonl", "{}")), "'datasets/extra.jsonl' is not listed in the manifest"),
            ("2 GB claimed", ClaimSize(bundle, datasetPath, 2L * 1024 * 1024 * 1024), $"'{datasetPath}' claims 2147483648 bytes"),
            ("not a zip", Encoding.UTF8.GetBytes("PK? no."), "not a zip file"),
        };
        foreach (var (kind, zip, named) in bad)
        {
            var response = await target.PostAsync("/api/bundles", new ByteArrayContent(zip));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{kind}: {response.StatusCode} {body}");
            Assert.True(body.Contains(named, StringComparison.Ordinal), $"{kind}: {body}");
        }

        Assert.Empty((await target.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!);
        Assert.Empty((await target.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!);
        Assert.Empty((await target.GetFromJsonAsync<List<Eval>>("/api/evals", FineTuneJson.Options))!);

        // finetune bundle inspect says the same offline: ok, hash mismatch, missing.
        var path = Path.Combine(stack.DataDirectory, $"{dataset.Id}.bundle.zip");
        await File.WriteAllBytesAsync(path, bundle);
        Assert.Equal(0, (await InspectAsync(path)).ExitCode);
        await File.WriteAllBytesAsync(path, bad[2].Zip);
        var (exitCode, output) = await InspectAsync(path);
        Assert.Equal(1, exitCode);
        Assert.Contains($"hash mismatch  {datasetPath}", output);
        await File.WriteAllBytesAsync(path, bad[4].Zip);
        Assert.Contains($"missing        {datasetPath}", (await InspectAsync(path)).Output);

        // The bundle itself is fine: a member imports it.
        Assert.Equal(HttpStatusCode.Created, (await target.PostAsync("/api/bundles", new ByteArrayContent(bundle))).StatusCode);
    }

    private async Task<ProviderConnection> CreateConnectionAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/connections",
            new ProviderConnectionRequest("Local with a key", ProviderConnectionKind.Local, stack.ProviderEndpoint, ConnectionKey), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
    }

    // Every event as JSON: ids, sequences, times, types, messages and metrics alike.
    private static async Task<IReadOnlyList<string>> EventsAsync(HttpClient api, string jobId) =>
        [.. (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{jobId}/events?limit=10000", FineTuneJson.Options))!.Data.Select(FineTuneJson.Serialize)];

    private static async Task<(int ExitCode, string Output)> InspectAsync(string path)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await FineTuneCommand.RunAsync(["bundle", "inspect", path], output, error);
        return (exitCode, output + "\n" + error);
    }

    private static BundleManifest ReadManifest(byte[] bundle) => FineTuneJson.Deserialize<BundleManifest>(Encoding.UTF8.GetString(Entry(bundle, BundleManifest.FileName)));

    private static byte[] Entry(byte[] bundle, string path)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        using var content = new MemoryStream();
        zip.GetEntry(path)!.Open().CopyTo(content);
        return content.ToArray();
    }

    private static byte[] UnzipAll(byte[] bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        using var all = new MemoryStream();
        foreach (var entry in zip.Entries)
        {
            using var content = entry.Open();
            content.CopyTo(all);
        }
        return all.ToArray();
    }

    private static byte[] Rewrite(byte[] bundle, Action<ZipArchive> change)
    {
        using var copy = new MemoryStream();
        copy.Write(bundle);
        using (var zip = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true)) change(zip);
        return copy.ToArray();
    }

    private static void WriteEntry(ZipArchive zip, string path, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(path).Open());
        writer.Write(text);
    }

    private static void ChangeOneByte(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(path)!;
        byte[] content;
        using (var reader = new MemoryStream())
        {
            using (var stream = entry.Open()) stream.CopyTo(reader);
            content = reader.ToArray();
        }
        content[^2] ^= 0x01;
        entry.Delete();
        using var stream2 = zip.CreateEntry(path).Open();
        stream2.Write(content);
    }

    private static void ReplaceManifest(ZipArchive zip, string from, string to)
    {
        var entry = zip.GetEntry(BundleManifest.FileName)!;
        string text;
        using (var reader = new StreamReader(entry.Open())) text = reader.ReadToEnd();
        entry.Delete();
        WriteEntry(zip, BundleManifest.FileName, text.Replace(from, to, StringComparison.Ordinal));
    }

    // The zip's central directory rewritten to claim `bytes` for the entry: nothing that big is ever sent.
    private static byte[] ClaimSize(byte[] bundle, string path, long bytes)
    {
        var zip = (byte[])bundle.Clone();
        var name = Encoding.UTF8.GetBytes(path);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) != 0x02014b50) continue;
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28));
            if (!zip.AsSpan(i + 46, nameLength).SequenceEqual(name)) continue;
            BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), checked((uint)bytes));
            return zip;
        }
        throw new InvalidOperationException($"{path} is not in the zip's central directory.");
    }
}
