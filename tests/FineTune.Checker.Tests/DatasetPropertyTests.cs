using System.Text;
using System.Text.Json.Nodes;

namespace FineTune.Checker.Tests;

// Random valid datasets must pass; one random corruption must be caught on the line it was made.
public sealed class DatasetPropertyTests
{
    private const int Seed = 20_250_601;
    private static readonly string[] Words =
        ["alpha", "Zürich", "東京", "naïve", "emoji 🚀", "data", "42", "mañana", "Привет", "λ", "quote \"x\"", "tab\tend", "<tag>"];

    private static string Text(Random random) =>
        string.Join(' ', Enumerable.Range(0, random.Next(1, 12)).Select(_ => Words[random.Next(Words.Length)])) + " " + random.Next(1_000_000);

    private static JsonObject Example(Random random)
    {
        var messages = new JsonArray();
        if (random.Next(2) == 0) messages.Add(new JsonObject { ["role"] = "system", ["content"] = "You are helpful." });
        var example = new JsonObject();
        var withTools = random.Next(3) == 0;
        if (withTools)
        {
            example["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = "lookup",
                    ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["q"] = new JsonObject { ["type"] = "string" } } },
                },
            });
        }
        for (var turn = random.Next(1, 4); turn > 0; turn--)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = Text(random) });
            if (withTools && random.Next(2) == 0)
            {
                var id = $"call_{random.Next(1_000_000)}_{turn}";
                messages.Add(new JsonObject
                {
                    ["role"] = "assistant",
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = "lookup", ["arguments"] = new JsonObject { ["q"] = Text(random) }.ToJsonString() },
                    }),
                });
                messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = Text(random) });
            }
            var answer = new JsonObject { ["role"] = "assistant", ["content"] = Text(random) };
            if (random.Next(4) == 0) answer["weight"] = turn == 1 ? 1 : random.Next(2);
            messages.Add(answer);
        }
        example["messages"] = messages;
        return example;
    }

    internal static List<JsonObject> Dataset(Random random) => Enumerable.Range(0, random.Next(10, 40)).Select(_ => Example(random)).ToList();

    private static Task<DatasetReport> Validate(IEnumerable<string> lines) =>
        DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")), null);

    // Each corruption: what it does to one example's JSON text and the error code it must produce.
    private static readonly (string Code, Func<JsonObject, Random, string> Corrupt)[] Corruptions =
    [
        (DatasetCodes.InvalidJson, (e, r) => e.ToJsonString()[..^1]),
        (DatasetCodes.DataType, (e, r) => e["messages"]!.ToJsonString()),
        (DatasetCodes.MissingMessagesList, (e, r) => { e.Remove("messages"); e["prompt"] = "x"; return e.ToJsonString(); }),
        (DatasetCodes.UnrecognizedRole, (e, r) => { Last(e, "user")["role"] = "human"; return e.ToJsonString(); }),
        (DatasetCodes.MessageMissingKey, (e, r) => { Last(e, "user").Remove("role"); return e.ToJsonString(); }),
        (DatasetCodes.MessageUnrecognizedKey, (e, r) => { Last(e, "user")["mood"] = "happy"; return e.ToJsonString(); }),
        (DatasetCodes.MissingContent, (e, r) => { Last(e, "user").Remove("content"); return e.ToJsonString(); }),
        (DatasetCodes.ExampleMissingAssistantMessage,
            (e, r) => new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }) }.ToJsonString()),
        (DatasetCodes.InvalidWeight, (e, r) => { Last(e, "assistant")["weight"] = 3; return e.ToJsonString(); }),
        (DatasetCodes.SpecialToken, (e, r) => { Last(e, "user")["content"] = "say <|endoftext|> now"; return e.ToJsonString(); }),
        (DatasetCodes.MixedFormats, (e, r) => new JsonObject
        {
            ["input"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }) },
            ["preferred_output"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = "a" }),
            ["non_preferred_output"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = "b" }),
        }.ToJsonString()),
        (DatasetCodes.ToolCallMismatch, (e, r) =>
        {
            var messages = (JsonArray)e["messages"]!;
            messages.Insert(messages.Count - 1, new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_nobody_made", ["content"] = "1" });
            return e.ToJsonString();
        }),
    ];

    private static JsonObject Last(JsonObject example, string role) =>
        ((JsonArray)example["messages"]!).OfType<JsonObject>().Last(m => (string?)m["role"] == role && m["content"] is not null);

    [Fact]
    public async Task Random_valid_datasets_are_accepted()
    {
        var random = new Random(Seed);
        for (var run = 0; run < 100; run++)
        {
            var lines = Dataset(random).Select(e => e.ToJsonString()).ToList();

            var report = await Validate(lines);

            Assert.True(report.Valid, $"run {run}: {string.Join("; ", report.Errors)}");
            Assert.Equal(lines.Count, report.ExampleCount);
        }
    }

    [Fact]
    public async Task A_single_random_corruption_is_caught_at_its_line()
    {
        var random = new Random(Seed + 1);
        for (var run = 0; run < 200; run++)
        {
            var dataset = Dataset(random);
            var target = random.Next(dataset.Count);
            var (code, corrupt) = Corruptions[random.Next(Corruptions.Length)];
            var lines = dataset.Select(e => e.ToJsonString()).ToList();
            lines[target] = corrupt(dataset[target], random);

            var report = await Validate(lines);

            Assert.False(report.Valid, $"run {run}: {code} at {target + 1} not caught");
            Assert.Contains(report.Errors, e => e.Code == code && e.Line == target + 1);
            Assert.All(report.Errors, e => Assert.Equal(target + 1, e.Line));
        }
    }

    [Fact]
    public async Task Invalid_utf8_at_a_random_line_is_caught_there()
    {
        var random = new Random(Seed + 2);
        for (var run = 0; run < 20; run++)
        {
            var lines = Dataset(random).Select(e => Encoding.UTF8.GetBytes(e.ToJsonString())).ToList();
            var target = random.Next(lines.Count);
            var bytes = lines[target];
            bytes[random.Next(1, bytes.Length - 1)] = 0xFF;

            var report = await DatasetValidator.ValidateAsync(new MemoryStream(lines.SelectMany(l => l.Append((byte)'\n')).ToArray()), null);

            Assert.Equal((target + 1, DatasetCodes.InvalidUtf8), Assert.Single(report.Errors) is var e ? (e.Line, e.Code) : default);
        }
    }
}
