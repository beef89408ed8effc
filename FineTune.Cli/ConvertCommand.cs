using System.Globalization;
using System.Text.Json;

namespace FineTune.Cli;

// finetune convert IN --to FORMAT [--from FORMAT] -o OUT [--json]: a dataset from one format to another, offline.
// Exit codes: 0 every example was written; 1 OUT was written but some examples could not be (each is listed with its
// line and reason), so a CI step that must keep every example fails; 2 usage error, IN unreadable, OUT unwritable.
public static class ConvertCommand
{
    public const int Converted = 0;
    public const int SomeSkipped = 1;

    private static readonly JsonSerializerOptions IndentedJson = new(FineTuneJson.Options) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        string? input = null, outputPath = null, toName = null, fromName = null;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var before, var after] && before.StartsWith("--", StringComparison.Ordinal)
                ? (before, after)
                : (args[i], null);
            switch (name)
            {
                case "--json": json = true; continue;
                case "-h" or "--help": await output.WriteLineAsync(FineTuneCommand.Usage); return Converted;
                case "--to" or "--from" or "-o" or "--output":
                    if (value is null && i + 1 < args.Length) value = args[++i];
                    if (string.IsNullOrWhiteSpace(value)) return await FineTuneCommand.UsageAsync(error, $"{name} needs a value.");
                    if (name == "--to") toName = value;
                    else if (name == "--from") fromName = value;
                    else outputPath = value;
                    continue;
                case var option when option.StartsWith('-') && option != "-": return await FineTuneCommand.UsageAsync(error, $"Unknown option \"{option}\".");
                case var path when input is null: input = path; continue;
                default: return await FineTuneCommand.UsageAsync(error, $"Only one IN file at a time; \"{args[i]}\" is one too many.");
            }
        }
        if (input is null) return await FineTuneCommand.UsageAsync(error, "Which IN file should be converted?");
        if (toName is null) return await FineTuneCommand.UsageAsync(error, "--to is required: openai, trl, sharegpt or alpaca.");
        if (outputPath is null) return await FineTuneCommand.UsageAsync(error, "-o OUT is required: the file to write (- for stdout).");
        if (DatasetFormats.Parse(toName) is not { } to) return await FineTuneCommand.UsageAsync(error, DatasetFormats.UnknownMessage(toName));
        DatasetFormat? from = null;
        if (fromName is not null && !fromName.Equals(DatasetFormats.Detect, StringComparison.OrdinalIgnoreCase))
        {
            if (DatasetFormats.Parse(fromName) is not { } given) return await FineTuneCommand.UsageAsync(error, DatasetFormats.UnknownMessage(fromName));
            from = given;
        }

        // With the dataset on stdout, the report goes to stderr.
        var reportTo = outputPath == "-" ? error : output;
        FormatConversionReport report;
        try
        {
            report = await ConvertAsync(input, outputPath, to, from, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            await error.WriteLineAsync($"finetune: cannot convert {input} to {outputPath}: {e.Message}");
            return FineTuneCommand.UsageError;
        }

        if (json) await reportTo.WriteLineAsync(JsonSerializer.Serialize(report, IndentedJson));
        else await WriteTextAsync(reportTo, input, outputPath, report);
        return report.Skipped == 0 ? Converted : SomeSkipped;
    }

    // Written beside OUT and moved into place when complete, so OUT never holds half a conversion.
    private static async Task<FormatConversionReport> ConvertAsync(string input, string outputPath, DatasetFormat to, DatasetFormat? from,
        CancellationToken cancellationToken)
    {
        await using var source = input == "-"
            ? Console.OpenStandardInput()
            : new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (outputPath == "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            return await FormatConverter.ConvertAsync(source, stdout, to, from, cancellationToken);
        }

        var partial = outputPath + ".partial";
        try
        {
            FormatConversionReport report;
            await using (var target = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.SequentialScan))
            {
                report = await FormatConverter.ConvertAsync(source, target, to, from, cancellationToken);
            }
            File.Move(partial, outputPath, overwrite: true);
            return report;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task WriteTextAsync(TextWriter output, string input, string outputPath, FormatConversionReport report)
    {
        foreach (var skipped in report.SkippedLines)
            await output.WriteLineAsync($"{input}:{skipped.Line}: {skipped.Code}: {skipped.Reason}");
        if (report.Skipped > report.SkippedLines.Count)
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{input}: {report.Skipped - report.SkippedLines.Count:N0} more lines skipped, not listed"));

        var read = report.From is null ? "no line looked like a known format" : $"read as {report.From}{(report.FromDetected ? " (detected)" : "")}";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{input} -> {outputPath}: {report.Written:N0} of {report.Examples:N0} examples written as {report.To}, {read}; {report.Skipped:N0} skipped"));
        if (report.SkippedCounts.Count > 0)
            await output.WriteLineAsync("  skipped by reason: " + string.Join(", ", report.SkippedCounts.Select(c => $"{c.Key} {c.Value}")));
    }
}
