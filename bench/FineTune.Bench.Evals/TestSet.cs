using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Bench.Evals;

// The benchmark's test set, from real text only: the capitals sample (samples/capitals-train.jsonl) asked four ways (three
// phrasings answered with its sentence, one asking for a JSON record), and 20 questions answered by a paragraph of
// FineTune's own docs (docs-questions.jsonl, taken from docs/*.md, README.md and the LocalProvider's README, frozen here so
// the figures do not move when the docs do). That is 116 distinct items; the test set repeats them, shuffled with a fixed
// seed, to the size asked for. Every line has a "keyword" the answer should mention (the city; a word of the doc section).
// The model is trained on four in five distinct items, so the rest are answered from what it learned elsewhere, as a
// held-out item is.
public static class TestSet
{
    private static readonly Func<string, string>[] SentencePhrasings =
        [country => $"What is the capital of {country}?", country => $"Which city is the capital of {country}?", country => $"Name the capital city of {country}."];

    public static IReadOnlyList<string> DistinctLines()
    {
        var lines = new List<string>();
        foreach (var sample in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "capitals-train.jsonl")).Where(line => line.Length > 0))
        {
            var messages = JsonNode.Parse(sample)!["messages"]!.AsArray();
            var system = messages[0]!["content"]!.GetValue<string>();
            var sentence = messages[2]!["content"]!.GetValue<string>();
            // "The capital of France is Paris."
            var country = sentence["The capital of ".Length..sentence.IndexOf(" is ", StringComparison.Ordinal)];
            var city = sentence[(sentence.IndexOf(" is ", StringComparison.Ordinal) + 4)..^1];
            lines.AddRange(SentencePhrasings.Select(phrasing => Line(system, phrasing(country), sentence, city)));
            var record = JsonSerializer.Serialize(new { country, capital = city });
            lines.Add(Line(system, $"Give the capital of {country} as JSON with the keys country and capital.", record, city));
        }
        lines.AddRange(File.ReadLines(Path.Combine(AppContext.BaseDirectory, "docs-questions.jsonl")).Where(line => line.Length > 0));
        return lines;
    }

    public static IReadOnlyList<string> TestLines(IReadOnlyList<string> distinct, int count)
    {
        var random = new Random(1);
        var lines = new List<string>(count);
        while (lines.Count < count)
        {
            var round = distinct.ToArray();
            random.Shuffle(round);
            lines.AddRange(round.Take(count - lines.Count));
        }
        return lines;
    }

    public static IReadOnlyList<string> TrainingLines(IReadOnlyList<string> distinct) =>
        [.. distinct.Where((_, index) => index % 5 != 4).Select(line => JsonNode.Parse(line)!.AsObject()).Select(WithoutKeyword)];

    public static byte[] Jsonl(IEnumerable<string> lines) => System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");

    private static string Line(string system, string question, string answer, string keyword) => JsonSerializer.Serialize(new
    {
        messages = new[] { new { role = "system", content = system }, new { role = "user", content = question }, new { role = "assistant", content = answer } },
        keyword,
    });

    // The provider's checker takes only the keys a training line may have.
    private static string WithoutKeyword(JsonObject line)
    {
        line.Remove("keyword");
        return line.ToJsonString();
    }
}
