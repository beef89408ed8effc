using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Checker.Tests;

// Each format both ways, the round trip OpenAI -> X -> OpenAI byte for byte, and the report of what cannot be written.
public sealed class FormatConverterTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");

    private static async Task<(List<string> Lines, FormatConversionReport Report)> Convert(string jsonl, DatasetFormat to, DatasetFormat? from = null)
    {
        using var output = new MemoryStream();
        var report = await FormatConverter.ConvertAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), output, to, from);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.True(text.Length == 0 || text.EndsWith('\n'));
        return (text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList(), report);
    }

    private static async Task<string> ConvertLine(string line, DatasetFormat to, DatasetFormat? from = null)
    {
        var (lines, report) = await Convert(line + "\n", to, from);
        Assert.True(report.Skipped == 0, string.Join("; ", report.SkippedLines));
        return Assert.Single(lines);
    }

    private static async Task<SkippedLine> SkippedLine(string line, DatasetFormat to, DatasetFormat? from = null)
    {
        var (lines, report) = await Convert(line + "\n", to, from);
        Assert.Empty(lines);
        return Assert.Single(report.SkippedLines);
    }

    // The line as a compact JSON writer would write it, without its escaping: what the round trip must give back.
    private static string Compact(string line) => JsonSerializer.Serialize(JsonDocument.Parse(line).RootElement, RelaxedJson);

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [InlineData(DatasetFormat.Trl)]
    [InlineData(DatasetFormat.ShareGpt)]
    [InlineData(DatasetFormat.Alpaca)]
    public async Task Every_sample_line_comes_back_from_each_format_as_it_was(DatasetFormat format)
    {
        var original = await File.ReadAllTextAsync(Path.Combine(Samples, "capitals-train.jsonl"));

        var (there, exported) = await Convert(original, format);
        var (back, imported) = await Convert(string.Join("\n", there), DatasetFormat.OpenAI);

        Assert.Equal((24, 24, 0), (exported.Examples, exported.Written, exported.Skipped));
        // A TRL conversational line is OpenAI's shape and reads as one.
        Assert.Equal((format == DatasetFormat.Trl ? "openai" : DatasetFormats.NameOf(format), true), (imported.From, imported.FromDetected));
        Assert.Equal(original.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Compact), back);
    }

    [Fact]
    public async Task Exact_shapes_of_each_format()
    {
        const string chat = """{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Capital of Peru?"},{"role":"assistant","content":"Lima."}]}""";

        Assert.Equal(chat, await ConvertLine(chat, DatasetFormat.Trl));
        Assert.Equal("""{"conversations":[{"from":"system","value":"Be terse."},{"from":"human","value":"Capital of Peru?"},{"from":"gpt","value":"Lima."}]}""",
            await ConvertLine(chat, DatasetFormat.ShareGpt));
        Assert.Equal("""{"instruction":"Capital of Peru?","input":"","output":"Lima.","system":"Be terse."}""", await ConvertLine(chat, DatasetFormat.Alpaca));

        const string dpo = """{"input":{"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}"""
            + ""","preferred_output":[{"role":"assistant","content":"Hello!"}],"non_preferred_output":[{"role":"assistant","content":"What?"}]}""";
        var preference = await ConvertLine(dpo, DatasetFormat.Trl);
        Assert.Equal("""{"prompt":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]"""
            + ""","chosen":[{"role":"assistant","content":"Hello!"}],"rejected":[{"role":"assistant","content":"What?"}]}""", preference);
        Assert.Equal(dpo, await ConvertLine(preference, DatasetFormat.OpenAI));
    }

    [Fact]
    public async Task Other_tools_lines_are_read_into_openai_chat()
    {
        Assert.Equal("""{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"id":"x1"}""",
            await ConvertLine("""{"system":"S","conversations":[{"from":"user","value":"Q"},{"from":"assistant","value":"A"}],"id":"x1"}""", DatasetFormat.OpenAI));
        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Sum:\n\n2 + 2"}"""
            + """,{"role":"assistant","content":"4"}]}""",
            await ConvertLine("""{"instruction":"Sum:","input":"2 + 2","output":"4","history":[["Hi","Hello"]]}""", DatasetFormat.OpenAI));
        Assert.Equal("""{"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[{"role":"assistant","content":"good"}]"""
            + ""","non_preferred_output":[{"role":"assistant","content":"bad"}]}""",
            await ConvertLine("""{"prompt":"Q","chosen":"good","rejected":"bad"}""", DatasetFormat.OpenAI));
        Assert.Equal("""{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}]}""",
            await ConvertLine("""{"prompt":[{"role":"user","content":"Q"}],"completion":[{"role":"assistant","content":"A"}]}""", DatasetFormat.OpenAI));
    }

    [Fact]
    public async Task One_format_goes_to_another_through_openai()
    {
        Assert.Equal("""{"instruction":"What is 2+2?","input":"","output":"4"}""",
            await ConvertLine("""{"conversations": [{"from": "human", "value": "What is 2+2?"}, {"from": "gpt", "value": "4"}]}""", DatasetFormat.Alpaca));
    }

    [Fact]
    public async Task Unicode_and_escapes_come_back_byte_for_byte()
    {
        const string line = """{"messages":[{"role":"system","content":"Réponds en français 🇫🇷"},{"role":"user","content":"Caf\u00e9 \"東京\"?\n\ttab 🚀"}"""
            + """,{"role":"assistant","content":"Привет, naïve λ <tag> \\ \/ \ud83d\ude00"}],"r\u00e9f":"ok"}""";

        foreach (var format in new[] { DatasetFormat.Trl, DatasetFormat.ShareGpt, DatasetFormat.Alpaca })
        {
            var there = await ConvertLine(line, format);
            Assert.Equal(line, await ConvertLine(there, DatasetFormat.OpenAI));
        }
    }

    [Fact]
    public async Task Random_datasets_come_back_byte_for_byte_or_are_reported()
    {
        var random = new Random(20_251_201);
        var written = new Dictionary<DatasetFormat, int>();
        for (var run = 0; run < 40; run++)
        {
            var lines = DatasetPropertyTests.Dataset(random).Select(e => e.ToJsonString()).ToList();
            foreach (var format in new[] { DatasetFormat.Trl, DatasetFormat.ShareGpt, DatasetFormat.Alpaca })
            {
                var (there, exported) = await Convert(string.Join("\n", lines), format);
                var (back, _) = await Convert(string.Join("\n", there), DatasetFormat.OpenAI, format);

                var skipped = exported.SkippedLines.Select(s => s.Line).ToHashSet();
                Assert.Equal(lines.Count, exported.Written + exported.Skipped);
                Assert.Equal(lines.Where((_, i) => !skipped.Contains(i + 1)), back);
                written[format] = written.GetValueOrDefault(format) + exported.Written;
            }
        }
        Assert.All(written.Values, count => Assert.True(count > 100, $"only {count} lines written"));
    }

    [Fact]
    public async Task What_a_format_cannot_hold_is_reported_with_its_line_and_reason()
    {
        var good = """{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}]}""";
        var threeTurns = """{"messages":[{"role":"user","content":"1"},{"role":"assistant","content":"a"},{"role":"user","content":"2"}"""
            + """,{"role":"assistant","content":"b"},{"role":"user","content":"3"},{"role":"assistant","content":"c"}]}""";
        var jsonl = string.Join("\n", Enumerable.Repeat(good, 6)) + "\n" + threeTurns + "\n\n{oops\n" + good + "\n";

        var (lines, report) = await Convert(jsonl, DatasetFormat.Alpaca);

        Assert.Equal(7, lines.Count);
        Assert.Equal((9, 7, 2), (report.Examples, report.Written, report.Skipped));
        Assert.Equal(new SkippedLine(7, FormatSkipCodes.Turns, "Alpaca holds one user turn; this example has 3"), report.SkippedLines[0]);
        Assert.Equal((9, FormatSkipCodes.InvalidJson), (report.SkippedLines[1].Line, report.SkippedLines[1].Code));
        Assert.Equal(1, report.SkippedCounts[FormatSkipCodes.Turns]);
    }

    public static TheoryData<string, DatasetFormat, string, string> Unwritable => new()
    {
        { """{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A","weight":0}]}""", DatasetFormat.Trl,
            FormatSkipCodes.Key, "message 2 has \"weight\", which TRL has no place for" },
        { """{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"parallel_tool_calls":false}""", DatasetFormat.Trl,
            FormatSkipCodes.Key, "TRL has no place for \"parallel_tool_calls\"" },
        { """{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}}]},{"role":"assistant","content":"A"}]}""", DatasetFormat.Trl,
            FormatSkipCodes.Content, "message 1's content has parts other than text; TRL holds text parts" },
        { """{"messages":[{"role":"user","content":"Q"},{"role":"tool","tool_call_id":"c","content":"1"}]}""", DatasetFormat.ShareGpt,
            FormatSkipCodes.Role, "message 2 has role \"tool\"; ShareGPT has system, human and gpt turns" },
        { """{"tools":[],"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}]}""", DatasetFormat.ShareGpt,
            FormatSkipCodes.Key, "ShareGPT has no place for \"tools\"" },
        { """{"input":{"messages":[]},"preferred_output":[],"non_preferred_output":[]}""", DatasetFormat.ShareGpt,
            FormatSkipCodes.ExampleKind, "ShareGPT holds one conversation; this is a preference (DPO) example with two answers" },
        { """{"messages":[{"role":"user","content":"Q"}],"reference":"A"}""", DatasetFormat.Alpaca,
            FormatSkipCodes.Turns, "Alpaca holds one user turn and the answer to it; this example has 1 messages after the system message" },
        { """{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"instruction":"x"}""", DatasetFormat.Alpaca,
            FormatSkipCodes.Key, "\"instruction\" is a key of Alpaca's own, so it cannot be carried over as it is" },
        { """{"conversations":[{"from":"function_call","value":"{}"}]}""", DatasetFormat.OpenAI,
            FormatSkipCodes.Role, "turn 1 has from \"function_call\"; only system, human and gpt turns are read (no tool turns)" },
        { """{"chosen":[],"rejected":[]}""", DatasetFormat.OpenAI,
            FormatSkipCodes.Missing, "the example has no \"prompt\" (implicit prompts, inside chosen and rejected, are not read)" },
        { """{"instruction":"Q"}""", DatasetFormat.OpenAI, FormatSkipCodes.Missing, "the example has no \"output\" text" },
    };

    [Theory]
    [MemberData(nameof(Unwritable))]
    public async Task A_line_the_format_cannot_hold_is_skipped_with_a_reason(string line, DatasetFormat to, string code, string reason)
    {
        var from = to == DatasetFormat.OpenAI ? DatasetFormats.DetectLine(JsonDocument.Parse(line).RootElement) : DatasetFormat.OpenAI;

        Assert.Equal(new SkippedLine(1, code, reason), await SkippedLine(line, to, from));
    }

    [Fact]
    public async Task The_format_is_detected_from_the_first_line_that_shows_one_and_held_for_the_file()
    {
        var (lines, report) = await Convert(
            "{\"note\":1}\n{\"conversations\":[{\"from\":\"human\",\"value\":\"Q\"},{\"from\":\"gpt\",\"value\":\"A\"}]}\n{\"messages\":[]}\n", DatasetFormat.OpenAI);

        Assert.Equal(("sharegpt", true), (report.From, report.FromDetected));
        Assert.Single(lines);
        Assert.Equal([(1, FormatSkipCodes.OtherFormat), (3, FormatSkipCodes.OtherFormat)], report.SkippedLines.Select(s => (s.Line, s.Code)));
    }

    [Fact]
    public async Task Detection_reads_ahead_to_the_first_line_that_shows_a_format_and_gives_every_byte_back()
    {
        var shareGpt = "\uFEFF{oops\n\n{\"conversations\":[{\"from\":\"human\",\"value\":\"Q\"}]}\r\n" + new string('x', 200_000);
        var unknown = string.Concat(Enumerable.Repeat("{\"text\":\"" + new string('y', 1000) + "\"}\n", 1500));

        foreach (var (text, expected) in new[] { (shareGpt, DatasetFormat.ShareGpt), (unknown, (DatasetFormat?)null), ("", null) })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var (format, content) = await FormatDetection.DetectAsync(new MemoryStream(bytes));
            using var replayed = new MemoryStream();
            await content.CopyToAsync(replayed);

            Assert.Equal(expected, format);
            Assert.Equal(bytes, replayed.ToArray());
        }
    }

    [Fact]
    public async Task Openai_to_openai_copies_each_line_as_it_is()
    {
        const string spaced = """{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}""";

        var (lines, report) = await Convert("\uFEFF" + spaced + "\n{oops\n", DatasetFormat.OpenAI, DatasetFormat.OpenAI);

        Assert.Equal([spaced, "{oops"], lines);
        Assert.Equal((2, 0), (report.Written, report.Skipped));
    }

    [Fact]
    public void Format_names_parse_both_ways()
    {
        Assert.All(DatasetFormats.All, format => Assert.Equal(format, DatasetFormats.Parse(DatasetFormats.NameOf(format))));
        Assert.Equal(DatasetFormat.ShareGpt, DatasetFormats.Parse("ShareGPT"));
        Assert.Null(DatasetFormats.Parse("csv"));
    }

    [Fact]
    public void Detection_by_keys()
    {
        DatasetFormat? Detect(string line) => DatasetFormats.DetectLine(JsonNode.Parse(line)!.Deserialize<JsonElement>());

        Assert.Equal(DatasetFormat.OpenAI, Detect("""{"messages":[]}"""));
        Assert.Equal(DatasetFormat.OpenAI, Detect("""{"input":{},"preferred_output":[]}"""));
        Assert.Equal(DatasetFormat.Trl, Detect("""{"prompt":[],"chosen":[],"rejected":[]}"""));
        Assert.Equal(DatasetFormat.ShareGpt, Detect("""{"conversations":[]}"""));
        Assert.Equal(DatasetFormat.Alpaca, Detect("""{"instruction":"","output":""}"""));
        Assert.Null(Detect("""{"text":"x"}"""));
    }
}
