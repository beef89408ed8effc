using System.Text.Json;

namespace FineTune.Checker;

// Converts a JSONL dataset from one format to another in one streaming pass, line by line: each line is read into
// OpenAI's chat JSONL and written out in the format asked for, or reported with the reason it cannot be. Lines keep
// their order; blank lines are dropped. Memory does not depend on the size of the file.
// A line read as OpenAI's and written as OpenAI's is copied as it is, without a look inside. Everything else is written compact, each value
// copied byte for byte, so OpenAI -> X -> OpenAI gives back every line X can hold as it was (compacted, when it was not).
public static class FormatConverter
{
    // The skipped lines a report lists; the count covers them all.
    public const int MaxListedLines = 1000;

    private const int FlushBytes = 64 * 1024;
    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];

    // from null: detected from the first line that looks like one of the formats.
    public static async Task<FormatConversionReport> ConvertAsync(
        Stream input, Stream output, DatasetFormat to, DatasetFormat? from = null, CancellationToken cancellationToken = default)
    {
        var tally = new Tally(from);
        var conversion = new LineConversion();
        var pending = new MemoryStream();
        await foreach (var read in JsonlLines.ReadAsync(input, cancellationToken))
        {
            var line = read;
            if (++tally.LineNumber == 1 && line.Span.StartsWith(Utf8ByteOrderMark)) line = line[Utf8ByteOrderMark.Length..];
            if (line.Span.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0) continue;
            tally.Examples++;

            var converted = conversion.Convert(line, to, tally);
            if (converted is null) continue;
            tally.Written++;
            pending.Write(converted.Value.Span);
            pending.WriteByte((byte)'\n');
            if (pending.Length >= FlushBytes) await FlushAsync(pending, output, cancellationToken);
        }
        await FlushAsync(pending, output, cancellationToken);
        return tally.Report(to);
    }

    private static async Task FlushAsync(MemoryStream pending, Stream output, CancellationToken cancellationToken)
    {
        await output.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length), cancellationToken);
        pending.SetLength(0);
    }

    // One line from its format into OpenAI's and on into the target's, reusing two buffers.
    private sealed class LineConversion
    {
        private readonly JsonLineWriter _imported = new();
        private readonly JsonLineWriter _exported = new();

        // The line in the target format, or null when it was skipped (and the tally says why).
        public ReadOnlyMemory<byte>? Convert(ReadOnlyMemory<byte> line, DatasetFormat to, Tally tally)
        {
            // OpenAI's own lines go out as they are, as stored, whatever the checker would say of them.
            if (tally.From == DatasetFormat.OpenAI && to == DatasetFormat.OpenAI) return line;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                tally.Skip(FormatSkipCodes.InvalidJson, $"the line is not valid JSON: {e.Message}");
                return null;
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    tally.Skip(FormatSkipCodes.InvalidJson, "the line is not a JSON object");
                    return null;
                }
                tally.From ??= DatasetFormats.DetectLine(root);
                if (tally.From is not { } from)
                {
                    tally.Skip(FormatSkipCodes.OtherFormat, "the line looks like none of the formats (openai, trl, sharegpt, alpaca), so the file's format is not known yet");
                    return null;
                }

                _imported.Reset();
                var asItIs = from == DatasetFormat.OpenAI;
                var problem = from switch
                {
                    DatasetFormat.OpenAI => NotOpenAI(root),
                    DatasetFormat.Trl => TrlFormat.Import(root, _imported, out asItIs),
                    DatasetFormat.ShareGpt => ShareGptFormat.Import(root, _imported),
                    _ => AlpacaFormat.Import(root, _imported),
                };
                if (problem is null && to != DatasetFormat.OpenAI)
                {
                    using var imported = asItIs ? null : JsonDocument.Parse(_imported.Written);
                    _exported.Reset();
                    var openAI = imported?.RootElement ?? root;
                    problem = to switch
                    {
                        DatasetFormat.Trl => TrlFormat.Export(openAI, _exported),
                        DatasetFormat.ShareGpt => ShareGptFormat.Export(openAI, _exported),
                        _ => AlpacaFormat.Export(openAI, _exported),
                    };
                    if (problem is null) return _exported.Written;
                }
                if (problem is not null)
                {
                    tally.Skip(problem.Code, problem.Reason);
                    return null;
                }
                return asItIs ? line : _imported.Written;
            }
        }

        private static LineProblem? NotOpenAI(JsonElement root) => DatasetFormats.DetectLine(root) == DatasetFormat.OpenAI
            ? null
            : new(FormatSkipCodes.OtherFormat, "the line is not an OpenAI example: it has no \"messages\" and no \"input\"");
    }

    private sealed class Tally(DatasetFormat? given)
    {
        private readonly List<SkippedLine> _listed = [];
        private readonly Dictionary<string, int> _counts = [];
        private readonly bool _detected = given is null;

        public DatasetFormat? From { get; set; } = given;

        public int LineNumber { get; set; }

        public int Examples { get; set; }

        public int Written { get; set; }

        public void Skip(string code, string reason)
        {
            _counts[code] = _counts.GetValueOrDefault(code) + 1;
            if (_listed.Count < MaxListedLines) _listed.Add(new SkippedLine(LineNumber, code, reason));
        }

        public FormatConversionReport Report(DatasetFormat to) => new(
            From is { } from ? DatasetFormats.NameOf(from) : null, _detected, DatasetFormats.NameOf(to),
            Examples, Written, Examples - Written, _listed, _counts);
    }
}
