using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Bench.Datasets;

// Writes a realistic chat fine-tuning JSONL: a few long system prompts repeated across examples,
// 1-4 turns, answers from a line to a few pages, multilingual text and emoji, code, tool calls
// with their tool answers, some weight-0 turns. Seeded, so every run sees the same file.
public static class DatasetGenerator
{
    private static readonly string[] English =
        ("the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said "
         + "there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more "
         + "write go see number no way could people my than first water been call who oil its now find long down day did get come made may part dataset model "
         + "training example answer question customer order invoice refund shipping account password please thank help support issue error version update install "
         + "configure server request response latency budget report").Split(' ');
    private static readonly string[] Foreign =
        [
            "Zürich", "naïve", "café", "mañana", "Straße", "élève", "東京", "日本語の文章", "機械学習", "中文测试", "Привет", "спасибо", "мир", "γειά σου", "λόγος",
            "مرحبا", "שלום", "नमस्ते", "안녕하세요", "สวัสดี", "🚀", "😀", "👍🏽", "✅", "€", "—", "…", "“quoted”"
        ];
    private static readonly string[] Code =
        [
            "```python\ndef add(a, b):\n    return a + b\n```", "```csharp\nvar total = items.Sum(i => i.Price * i.Quantity);\n```",
            "```sql\nSELECT id, name FROM users WHERE active = 1 ORDER BY name;\n```", "```json\n{\"status\": \"ok\", \"count\": 3}\n```"
        ];
    private static readonly string[] Cities = ["Oslo", "Paris", "Lisbon", "Tokyo", "Nairobi", "Lima", "Montréal", "São Paulo", "Kraków"];

    private static readonly object[] Tools =
    [
        Function("get_weather", "Current weather for a city", new
        {
            city = new { type = "string", description = "City name" },
            unit = new { type = "string", @enum = new[] { "celsius", "fahrenheit" } },
        }, "city"),
        Function("lookup_order", "Finds an order by its id", new { order_id = new { type = "string" } }, "order_id"),
        Function("search_docs", "Full-text search in the product documentation",
            new { query = new { type = "string" }, limit = new { type = "integer" } }, "query"),
    ];

    private static object Function(string name, string description, object properties, params string[] required) =>
        new { type = "function", function = new { name, description, parameters = new { type = "object", properties, required } } };

    public static long Write(string path, long targetBytes, int seed)
    {
        var random = new Random(seed);
        var systemPrompts = Enumerable.Range(0, 8).Select(i => $"You are assistant #{i} of Contoso. " + Sentence(random, 40 + 60 * i)).ToArray();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var examples = 0L;
        using var buffer = new MemoryStream();
        while (file.Length < targetBytes)
        {
            buffer.SetLength(0);
            using (var writer = new Utf8JsonWriter(buffer, options)) WriteExample(writer, random, systemPrompts);
            buffer.WriteByte((byte)'\n');
            buffer.Position = 0;
            buffer.CopyTo(file);
            examples++;
        }
        return examples;
    }

    private static void WriteExample(Utf8JsonWriter writer, Random random, string[] systemPrompts)
    {
        var withTools = random.Next(5) == 0;
        writer.WriteStartObject();
        if (withTools)
        {
            writer.WritePropertyName("tools");
            JsonSerializer.Serialize(writer, Tools);
        }
        writer.WriteStartArray("messages");
        if (random.Next(10) < 8) Message(writer, "system", systemPrompts[random.Next(systemPrompts.Length)]);
        var turns = random.Next(1, 5);
        for (var turn = 1; turn <= turns; turn++)
        {
            Message(writer, "user", Sentence(random, Length(random, 30)));
            if (withTools && random.Next(2) == 0)
            {
                var id = $"call_{random.NextInt64():x}";
                var city = Cities[random.Next(Cities.Length)];
                writer.WriteStartObject();
                writer.WriteString("role", "assistant");
                writer.WriteNull("content");
                writer.WriteStartArray("tool_calls");
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", "get_weather");
                writer.WriteString("arguments", $"{{\"city\": \"{city}\", \"unit\": \"celsius\"}}");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteStartObject();
                writer.WriteString("role", "tool");
                writer.WriteString("tool_call_id", id);
                writer.WriteString("content", $"{{\"city\": \"{city}\", \"temperature\": {random.Next(-20, 40)}, \"sky\": \"{(random.Next(2) == 0 ? "clear" : "cloudy")}\"}}");
                writer.WriteEndObject();
            }
            writer.WriteStartObject();
            writer.WriteString("role", "assistant");
            var answer = Sentence(random, Length(random, 120));
            if (random.Next(6) == 0) answer += "\n\n" + Code[random.Next(Code.Length)];
            writer.WriteString("content", answer);
            if (turn < turns && random.Next(4) == 0) writer.WriteNumber("weight", 0);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    // Roughly log-normal lengths: mostly short, a long tail of long answers.
    private static int Length(Random random, int median) =>
        Math.Clamp((int)(median * Math.Exp(0.9 * Normal(random))), 3, median * 40);

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static string Sentence(Random random, int words)
    {
        var parts = new string[words];
        for (var i = 0; i < words; i++)
        {
            var word = random.Next(12) == 0 ? Foreign[random.Next(Foreign.Length)] : English[random.Next(English.Length)];
            parts[i] = i % 14 == 13 ? word + "." : random.Next(25) == 0 ? word + "," : word;
        }
        return string.Join(' ', parts);
    }
}
