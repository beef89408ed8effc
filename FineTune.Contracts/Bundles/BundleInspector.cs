using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace FineTune.Contracts;

// How one file the manifest lists was found in the zip.
public sealed record BundleFileCheck(BundleFile File, string Status)
{
    public const string Ok = "ok";
    public const string HashMismatch = "hash mismatch";
    public const string Missing = "missing";
}

// What a bundle holds and everything wrong with it, each problem naming the entry or file. Sound: nothing is wrong.
public sealed record BundleInspection(BundleManifest? Manifest, IReadOnlyList<BundleFileCheck> Files, IReadOnlyList<string> Problems)
{
    public bool IsSound => Manifest is not null && Problems.Count == 0;
}

// Checks a bundle before anything of it is used, for the Api's import and `finetune bundle inspect` alike: entry names
// inside the root, sizes the zip declares within limits (checked before any entry is read, so a zip claiming 2 GB costs
// nothing), a manifest of this schema version, every listed file present with its sha256, and no entry it does not list.
public static class BundleInspector
{
    // OpenAI's own limit for a fine-tuning file, and so for a dataset version; nothing else in a bundle comes near.
    public const long MaxEntryBytes = 512L * 1024 * 1024;

    // A training and a validation set at their largest, and room for events, results and evals.
    public const long MaxTotalBytes = 1536L * 1024 * 1024;

    public static async Task<BundleInspection> InspectAsync(ZipArchive zip, CancellationToken cancellationToken)
    {
        var problems = EntryProblems(zip);
        if (problems.Count > 0) return new BundleInspection(null, [], problems);

        var (manifest, manifestProblem) = await ReadManifestAsync(zip, cancellationToken);
        if (manifest is null) return new BundleInspection(null, [], [manifestProblem!]);

        problems.AddRange(ManifestProblems(manifest, zip));
        var checks = new List<BundleFileCheck>();
        foreach (var file in manifest.Files)
        {
            var check = await CheckAsync(zip, file, cancellationToken);
            checks.Add(check);
            if (check.Status == BundleFileCheck.Missing) problems.Add($"{file.Path} is missing from the zip.");
            if (check.Status == BundleFileCheck.HashMismatch)
                problems.Add($"{file.Path} does not match its sha256 in the manifest ({file.Sha256}, {file.Bytes} bytes).");
        }
        return new BundleInspection(manifest, checks, problems);
    }

    // Whether a path names a file under the bundle's root: relative, no "..", "." or empty segment, no backslash or drive.
    public static bool IsInsideRoot(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.Contains('\\') && !path.Contains(':')
        && path.TrimEnd('/').Split('/').All(segment => segment is not ("" or "." or ".."));

    private static List<string> EntryProblems(ZipArchive zip)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var entry in zip.Entries)
        {
            if (!IsInsideRoot(entry.FullName)) problems.Add($"The entry '{entry.FullName}' is outside the bundle's root.");
            else if (!names.Add(entry.FullName)) problems.Add($"The entry '{entry.FullName}' is in the zip twice.");
            if (entry.Length > MaxEntryBytes)
                problems.Add($"The entry '{entry.FullName}' claims {entry.Length} bytes; an entry of a bundle may hold at most {MaxEntryBytes}.");
            total += entry.Length;
        }
        if (total > MaxTotalBytes) problems.Add($"The zip claims {total} bytes in all; a bundle may hold at most {MaxTotalBytes}.");
        return problems;
    }

    private static async Task<(BundleManifest?, string?)> ReadManifestAsync(ZipArchive zip, CancellationToken cancellationToken)
    {
        if (zip.GetEntry(BundleManifest.FileName) is not { } entry) return (null, $"{BundleManifest.FileName} is missing: this zip is not a FineTune bundle.");
        try
        {
            await using var stream = entry.Open();
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            var schema = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("schemaVersion", out var version)
                ? version.ToString()
                : null;
            if (schema != BundleManifest.CurrentSchemaVersion)
            {
                return (null, $"{BundleManifest.FileName} is of schema version '{schema}'; this FineTune reads '{BundleManifest.CurrentSchemaVersion}'.");
            }
            return (document.RootElement.Deserialize<BundleManifest>(FineTuneJson.Options), null);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return (null, $"{BundleManifest.FileName} cannot be read: {e.Message}");
        }
    }

    // The manifest's own consistency: each path it names is a listed file, each listed file once and inside the root,
    // and nothing in the zip that it does not list.
    private static IEnumerable<string> ManifestProblems(BundleManifest manifest, ZipArchive zip)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (!IsInsideRoot(file.Path)) yield return $"The manifest lists '{file.Path}', which is outside the bundle's root.";
            else if (!listed.Add(file.Path)) yield return $"The manifest lists '{file.Path}' twice.";
        }
        foreach (var path in NamedPaths(manifest).Where(path => !listed.Contains(path)))
            yield return $"The manifest names '{path}' but does not list it among its files.";
        foreach (var entry in zip.Entries.Where(entry => !entry.FullName.EndsWith('/') && entry.FullName != BundleManifest.FileName))
        {
            if (!listed.Contains(entry.FullName)) yield return $"The entry '{entry.FullName}' is not listed in the manifest.";
        }
        if (manifest.Kind == BundleManifest.JobKind && manifest.Job is null) yield return "The manifest is of a job but has none.";
        var files = manifest.Files.GroupBy(file => file.Path).ToDictionary(group => group.Key, group => group.First().Sha256, StringComparer.Ordinal);
        foreach (var dataset in manifest.Datasets.Where(dataset => files.TryGetValue(dataset.Path, out var sha256) && sha256 != dataset.Sha256))
            yield return $"The dataset '{dataset.Name}' says its sha256 is {dataset.Sha256}, but its file {dataset.Path} is listed as {files[dataset.Path]}.";
        var datasetIds = manifest.Datasets.Select(dataset => dataset.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var eval in manifest.Evals.Where(eval => !datasetIds.Contains(eval.TestSetDatasetId)))
            yield return $"The eval '{eval.Eval.Name}' names the test set '{eval.TestSetDatasetId}', which is not among the bundle's datasets.";
    }

    private static IEnumerable<string> NamedPaths(BundleManifest manifest)
    {
        foreach (var dataset in manifest.Datasets) yield return dataset.Path;
        if (manifest.Job is { } job)
        {
            yield return job.EventsPath;
            if (job.ResultsPath is not null) yield return job.ResultsPath;
            if (job.CheckpointsPath is not null) yield return job.CheckpointsPath;
        }
        foreach (var run in manifest.Evals.SelectMany(eval => eval.Runs)) yield return run.ItemsPath;
    }

    // Reads no more than the manifest says the file holds, so an entry that inflates past its size stops there.
    private static async Task<BundleFileCheck> CheckAsync(ZipArchive zip, BundleFile file, CancellationToken cancellationToken)
    {
        if (zip.GetEntry(file.Path) is not { } entry) return new BundleFileCheck(file, BundleFileCheck.Missing);
        if (entry.Length != file.Bytes) return new BundleFileCheck(file, BundleFileCheck.HashMismatch);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long read = 0;
        try
        {
            await using var stream = entry.Open();
            int count;
            while ((count = await stream.ReadAsync(buffer, cancellationToken)) > 0 && read <= file.Bytes)
            {
                hash.AppendData(buffer, 0, count);
                read += count;
            }
        }
        catch (InvalidDataException)
        {
            return new BundleFileCheck(file, BundleFileCheck.HashMismatch);
        }
        var matches = read == file.Bytes && Convert.ToHexStringLower(hash.GetHashAndReset()) == file.Sha256;
        return new BundleFileCheck(file, matches ? BundleFileCheck.Ok : BundleFileCheck.HashMismatch);
    }
}
