using System.Globalization;
using System.IO.Compression;

namespace FineTune.Cli;

// finetune bundle inspect FILE: what a bundle holds (its manifest) and whether each of its files is there with its sha256,
// offline. Exit codes: 0 sound, 1 something is wrong (each problem printed), 2 usage or a file that cannot be read.
public static class BundleCommand
{
    public const int Sound = 0;
    public const int Unsound = 1;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args is not ["inspect", var file]) return await FineTuneCommand.UsageAsync(error, "The bundle command is \"finetune bundle inspect FILE\".");

        BundleInspection inspection;
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            inspection = await BundleInspector.InspectAsync(zip, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            await error.WriteLineAsync($"finetune: cannot read {file}: {e.Message}");
            return FineTuneCommand.UsageError;
        }
        catch (InvalidDataException e)
        {
            await error.WriteLineAsync($"finetune: {file} is not a zip file: {e.Message}");
            return Unsound;
        }

        if (inspection.Manifest is { } manifest) await WriteManifestAsync(output, manifest);
        foreach (var check in inspection.Files)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {check.Status,-14} {check.File.Path} ({check.File.Bytes} bytes)"));
        }
        foreach (var problem in inspection.Problems) await error.WriteLineAsync($"finetune: {problem}");
        await output.WriteLineAsync(inspection.IsSound ? "Bundle OK: every file matches its sha256." : $"Bundle NOT OK: {inspection.Problems.Count} problem(s).");
        return inspection.IsSound ? Sound : Unsound;
    }

    private static async Task WriteManifestAsync(TextWriter output, BundleManifest manifest)
    {
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(c, $"{manifest.SchemaVersion}: a {manifest.Kind} bundle, exported {manifest.ExportedAt:u}"));
        if (manifest.Job is { } job)
        {
            await output.WriteLineAsync(string.Create(c,
                $"Job {job.Id}: {job.Status}, {job.Method.Type} on {job.BaseModel}{(job.FineTunedModel is null ? "" : " → " + job.FineTunedModel)}"));
            await output.WriteLineAsync(string.Create(c,
                $"  provider: {job.Provider.ConnectionKind} at {job.Provider.EndpointHost}, job {job.Provider.ProviderJobId ?? "(none)"}; seed {job.Seed?.ToString(c) ?? "auto"}"));
            if (job.ResolvedHyperparameters is { } h)
            {
                await output.WriteLineAsync(string.Create(c,
                    $"  hyperparameters: epochs {h.NEpochs}, batch size {h.BatchSize}, learning rate multiplier {h.LearningRateMultiplier}"));
            }
        }
        foreach (var dataset in manifest.Datasets)
            await output.WriteLineAsync(string.Create(c, $"Dataset {dataset.Id} ({dataset.Role}): {dataset.Name}, version {dataset.Version}, {dataset.Bytes} bytes"));
        foreach (var eval in manifest.Evals)
            await output.WriteLineAsync(string.Create(c, $"Eval {eval.Eval.Id}: {eval.Eval.Name}, {eval.Runs.Count} run(s)"));
        await output.WriteLineAsync("Files:");
    }
}
