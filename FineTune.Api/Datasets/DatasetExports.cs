using System.Text.Json;

namespace FineTune.Api.Datasets;

// A stored dataset in another format (FormatConverter), streamed as it is converted, and the report of the lines that
// format cannot hold. A version never changes, so its report for a format is kept beside the blob once made: the
// dataset page asks for it before the download, and a second look costs nothing.
public sealed class DatasetExports(BlobStore blobs)
{
    public async Task<FormatConversionReport> ReportAsync(DatasetRecord dataset, DatasetFormat format, CancellationToken cancellationToken)
    {
        var path = ReportPath(dataset, format);
        if (File.Exists(path))
        {
            await using var kept = File.OpenRead(path);
            return (await JsonSerializer.DeserializeAsync<FormatConversionReport>(kept, FineTuneJson.Options, cancellationToken))!;
        }
        return await WriteAsync(dataset, format, Stream.Null, cancellationToken);
    }

    // The dataset in the format, written to output as it is converted; the report is kept on the way.
    public async Task<FormatConversionReport> WriteAsync(DatasetRecord dataset, DatasetFormat format, Stream output, CancellationToken cancellationToken)
    {
        FormatConversionReport report;
        await using (var content = blobs.OpenRead(dataset.Sha256))
        {
            report = await FormatConverter.ConvertAsync(content, output, format, DatasetFormat.OpenAI, cancellationToken);
        }
        await KeepAsync(ReportPath(dataset, format), report, cancellationToken);
        return report;
    }

    // The downloaded file's name: "capitals.jsonl" as ShareGPT is "capitals.sharegpt.jsonl".
    public static string FileName(DatasetRecord dataset, DatasetFormat format)
    {
        var stem = dataset.Name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? dataset.Name[..^".jsonl".Length] : dataset.Name;
        return format == DatasetFormat.OpenAI ? stem + ".jsonl" : $"{stem}.{DatasetFormats.NameOf(format)}.jsonl";
    }

    private string ReportPath(DatasetRecord dataset, DatasetFormat format) =>
        blobs.SidecarPath(dataset.Sha256, $"export-{DatasetFormats.NameOf(format)}.json");

    // Written aside and moved into place, so a reader never sees half a report; two writers write the same one.
    private static async Task KeepAsync(string path, FormatConversionReport report, CancellationToken cancellationToken)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = File.Create(temporary))
            {
                await JsonSerializer.SerializeAsync(file, report, FineTuneJson.Options, cancellationToken);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
