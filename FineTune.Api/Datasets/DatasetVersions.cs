using System.Diagnostics;
using FineTune.Api.Telemetry;

namespace FineTune.Api.Datasets;

// Makes dataset versions: an upload, an edited copy of one example, the two parts of a split. Every
// version is a new immutable blob with its own report; what it was made from is never changed. All of
// it streams from blob to blob, so memory does not depend on the size of the file.
public sealed class DatasetVersions(BlobStore blobs, DatasetStore datasets, ModelCatalog catalog, TimeProvider time)
{
    // As many as the checker lists of each of its problems: the record stays small, the count covers them all.
    public const int MaxListedImportLines = DatasetValidator.MaxErrorsPerCode;

    public ModelCatalog Catalog => catalog;

    private DatasetCheckOptions CheckOptions(string? model, string? method) => new() { Model = model, Method = method, Catalog = catalog };

    public async Task<DatasetRecord> CreateAsync(Stream content, string name, string workspaceId, string userId, string? model, string? method,
        DatasetProvenance? provenance, CancellationToken cancellationToken)
    {
        var blob = await blobs.PutAsync(content, cancellationToken);
        return await SaveAsync(blob, name, workspaceId, userId, model, method, parentId: null, rootId: null, version: 1, cancellationToken, provenance: provenance);
    }

    // A dataset written here rather than uploaded (a run's answers, as they stream from the store), checked like an upload.
    // writeContent returns what the provenance says about the lines it wrote, known only once they are written.
    public async Task<DatasetRecord> CreateAsync(
        Func<Stream, CancellationToken, Task<DatasetProvenance>> writeContent, string name, string workspaceId, string userId, CancellationToken cancellationToken)
    {
        StoredBlob blob;
        DatasetProvenance provenance;
        await using (var writer = blobs.CreateWriter())
        {
            provenance = await writeContent(writer.Stream, cancellationToken);
            blob = await writer.CommitAsync(cancellationToken);
        }
        return await SaveAsync(blob, name, workspaceId, userId, model: null, method: null, parentId: null, rootId: null, version: 1, cancellationToken,
            provenance: provenance);
    }

    // An upload in another format (detected: told from its lines), brought into OpenAI's chat JSONL as it streams
    // in, then stored and checked like any upload. The lines that could not be brought over are left out and listed on
    // the record (the first MaxListedImportLines of them).
    public async Task<DatasetRecord> ImportAsync(Stream content, DatasetFormat from, bool detected, string name, string workspaceId, string userId,
        string? model, string? method, CancellationToken cancellationToken)
    {
        StoredBlob blob;
        FormatConversionReport conversion;
        await using (var writer = blobs.CreateWriter())
        {
            conversion = await FormatConverter.ConvertAsync(content, writer.Stream, DatasetFormat.OpenAI, from, cancellationToken);
            blob = await writer.CommitAsync(cancellationToken);
        }
        return await SaveAsync(blob, name, workspaceId, userId, model, method, parentId: null, rootId: null, version: 1, cancellationToken,
            conversion with { FromDetected = detected, SkippedLines = conversion.SkippedLines.Take(MaxListedImportLines).ToList() });
    }

    // Every dataset check goes through here: a span with what was found, and the checks' count, bytes and time.
    public async Task<DatasetReport> ValidateAsync(Stream content, string? model, string? method, CancellationToken cancellationToken)
    {
        using var activity = ApiTelemetry.Source.StartActivity("dataset.check");
        var started = Stopwatch.GetTimestamp();
        var report = await DatasetValidator.ValidateAsync(content, CheckOptions(model, method), cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        activity?.SetTag("finetune.dataset.bytes", report.Stats.Bytes)
            .SetTag("finetune.dataset.examples", report.ExampleCount)
            .SetTag("finetune.dataset.tokens", report.Tokens?.Total)
            .SetTag("finetune.dataset.valid", report.Valid);
        ApiTelemetry.DatasetsChecked.Add(1);
        ApiTelemetry.DatasetBytesChecked.Add(report.Stats.Bytes);
        ApiTelemetry.DatasetCheckDuration.Record(seconds);
        return report;
    }

    // The stored file checked again, for another model or method; nothing is stored.
    public async Task<DatasetReport> CheckAsync(DatasetRecord dataset, string? model, string? method, CancellationToken cancellationToken)
    {
        await using var content = blobs.OpenRead(dataset.Sha256);
        return await ValidateAsync(content, model, method, cancellationToken);
    }

    // The dataset's report for a training method: the stored one when it was made for that method (given or
    // assumed), else the file checked again for it, for the model the stored report was made for.
    public Task<DatasetReport> ReportForMethodAsync(DatasetRecord dataset, string method, CancellationToken cancellationToken) =>
        dataset.Report.Method == method ? Task.FromResult(dataset.Report) : CheckAsync(dataset, ModelOf(dataset), method, cancellationToken);

    // A copy of the dataset with line `line` (1-based, 1..LineCount) replaced by `example` (one line of JSON),
    // stored as the next version of the same lineage.
    public async Task<DatasetRecord> ReplaceExampleAsync(
        DatasetRecord dataset, LineIndex index, int line, ReadOnlyMemory<byte> example, string userId, string? model, CancellationToken cancellationToken)
    {
        var bounds = await index.ReadBoundariesAsync(line, 1, cancellationToken);
        StoredBlob blob;
        await using (var source = blobs.OpenRead(dataset.Sha256))
        await using (var writer = blobs.CreateWriter())
        {
            var lineEnd = await ReadLineEndAsync(source, bounds[0], bounds[1], cancellationToken);
            source.Seek(0, SeekOrigin.Begin);
            await CopyBytesAsync(source, writer.Stream, bounds[0], cancellationToken);
            await writer.Stream.WriteAsync(example, cancellationToken);
            await writer.Stream.WriteAsync(lineEnd, cancellationToken);
            source.Seek(bounds[1], SeekOrigin.Begin);
            await source.CopyToAsync(writer.Stream, cancellationToken);
            blob = await writer.CommitAsync(cancellationToken);
        }

        var rootId = dataset.RootId ?? dataset.Id;
        var version = await datasets.NextVersionAsync(rootId);
        return await SaveAsync(
            blob, dataset.Name, dataset.WorkspaceId, userId, model ?? ModelOf(dataset), MethodOf(dataset), dataset.Id, rootId, version, cancellationToken);
    }

    // Two new datasets: `validationRatio` of the examples (rounded, at least one each side) chosen at random
    // for validation, the rest for training, in their original order. The same seed gives the same split.
    public async Task<DatasetSplit> SplitAsync(
        DatasetRecord dataset, double validationRatio, int seed, string userId, string? model, CancellationToken cancellationToken)
    {
        var examples = 0;
        await using (var source = blobs.OpenRead(dataset.Sha256))
        {
            await foreach (var line in JsonlLines.ReadAsync(source, cancellationToken))
            {
                if (!IsBlank(line.Span)) examples++;
            }
        }
        var validationCount = (int)Math.Round(examples * validationRatio, MidpointRounding.AwayFromZero);
        if (examples < 2)
            throw new DatasetEditException($"The dataset has {examples} example(s); a split needs at least 2.");
        validationCount = Math.Clamp(validationCount, 1, examples - 1);

        StoredBlob trainingBlob, validationBlob;
        await using (var source = blobs.OpenRead(dataset.Sha256))
        await using (var training = blobs.CreateWriter())
        await using (var validation = blobs.CreateWriter())
        {
            // Selection sampling (Knuth's algorithm S): exactly validationCount examples, every subset
            // equally likely, in one pass and without holding the file.
            var random = new SplitMix64(seed);
            int seen = 0, chosen = 0;
            var first = true;
            await foreach (var line in JsonlLines.ReadAsync(source, cancellationToken))
            {
                var content = line;
                if (first && content.Span.StartsWith(Utf8ByteOrderMark)) content = content[Utf8ByteOrderMark.Length..];
                first = false;
                if (IsBlank(content.Span)) continue;

                var toValidation = (examples - seen) * random.NextDouble() < validationCount - chosen;
                seen++;
                var target = toValidation ? validation.Stream : training.Stream;
                if (toValidation) chosen++;
                await target.WriteAsync(content, cancellationToken);
                await target.WriteAsync(NewLine, cancellationToken);
            }
            trainingBlob = await training.CommitAsync(cancellationToken);
            validationBlob = await validation.CommitAsync(cancellationToken);
        }

        var stem = dataset.Name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? dataset.Name[..^".jsonl".Length] : dataset.Name;
        model ??= ModelOf(dataset);
        var method = MethodOf(dataset);
        var trainingRecord = await SaveAsync(
            trainingBlob, $"{stem}-training.jsonl", dataset.WorkspaceId, userId, model, method, dataset.Id, null, 1, cancellationToken);
        var validationRecord = await SaveAsync(
            validationBlob, $"{stem}-validation.jsonl", dataset.WorkspaceId, userId, model, method, dataset.Id, null, 1, cancellationToken);
        return new DatasetSplit(trainingRecord, validationRecord, validationRatio, seed);
    }

    // The model the dataset's report was made for, so a new version is checked the same way.
    public static string? ModelOf(DatasetRecord dataset) => dataset.Report.Tokens?.Model ?? dataset.Report.Estimate?.Model;

    // The method the dataset's report was checked for when one was given, so a new version is checked for it too;
    // null when the method was assumed, so the new version's is assumed again from its own lines.
    public static string? MethodOf(DatasetRecord dataset) => dataset.Report.MethodAssumption is null ? dataset.Report.Method : null;

    private async Task<DatasetRecord> SaveAsync(
        StoredBlob blob, string name, string workspaceId, string userId, string? model, string? method, string? parentId, string? rootId, int version,
        CancellationToken cancellationToken, FormatConversionReport? import = null, DatasetProvenance? provenance = null)
    {
        DatasetReport report;
        await using (var stored = blobs.OpenRead(blob.Sha256))
        {
            report = await ValidateAsync(stored, model, method, cancellationToken);
        }

        var dataset = new DatasetRecord(
            Id: "ds_" + Guid.NewGuid().ToString("N")[..16],
            Name: name,
            Status: report.Valid ? DatasetRecord.StatusValid : DatasetRecord.StatusInvalid,
            Sha256: blob.Sha256,
            Bytes: blob.Bytes,
            CreatedBy: userId,
            CreatedAt: time.GetUtcNow(),
            Report: report)
        {
            WorkspaceId = workspaceId,
            ParentId = parentId,
            RootId = rootId,
            Version = version,
            Import = import,
            Provenance = provenance,
        };
        await datasets.SaveAsync(dataset);
        return dataset;
    }

    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    // "\r\n", "\n" or nothing (the last line of a file without a final line end).
    private static async Task<byte[]> ReadLineEndAsync(Stream source, long start, long end, CancellationToken cancellationToken)
    {
        var tailStart = Math.Max(start, end - 2);
        var tail = new byte[end - tailStart];
        source.Seek(tailStart, SeekOrigin.Begin);
        await source.ReadExactlyAsync(tail, cancellationToken);
        if (tail.Length == 0 || tail[^1] != (byte)'\n') return [];
        return tail.Length == 2 && tail[0] == (byte)'\r' ? "\r\n"u8.ToArray() : NewLine;
    }

    private static async Task CopyBytesAsync(Stream source, Stream destination, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0) throw new EndOfStreamException("The stored dataset is shorter than its line index says.");
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            count -= read;
        }
    }

    // A small, fixed pseudo-random sequence (SplitMix64), so a seed splits the same way on every .NET version.
    private sealed class SplitMix64(int seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public double NextDouble()
        {
            _state += 0x9E3779B97F4A7C15;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}

// A request to change a dataset that cannot be carried out as asked; the message says why.
public sealed class DatasetEditException(string message) : Exception(message);
