using System.Text;
using System.Text.Json;

namespace FineTune.LocalProvider.Tests;

public static class SampleData
{
    public const string System = "You are a terse geography bot.";

    public static readonly IReadOnlyList<(string Question, string Answer)> Geography =
    [
        ("Capital of France?", "Paris."),
        ("Capital of Germany?", "Berlin."),
        ("Capital of Spain?", "Madrid."),
        ("Capital of Italy?", "Rome."),
        ("Capital of Portugal?", "Lisbon."),
        ("Capital of Austria?", "Vienna."),
        ("Capital of Poland?", "Warsaw."),
        ("Capital of Czechia?", "Prague."),
        ("Capital of Hungary?", "Budapest."),
        ("Capital of Greece?", "Athens."),
        ("Capital of Ireland?", "Dublin."),
        ("Capital of Norway?", "Oslo."),
        ("Capital of Sweden?", "Stockholm."),
        ("Capital of Finland?", "Helsinki."),
        ("Capital of Denmark?", "Copenhagen."),
        ("Capital of Belgium?", "Brussels."),
        ("Capital of the Netherlands?", "Amsterdam, though the government sits in The Hague."),
        ("Capital of Switzerland?", "Bern."),
        ("Capital of Canada?", "Ottawa, in Ontario."),
        ("Capital of Australia?", "Canberra, not Sydney."),
    ];

    public static string GeographyJsonl() => Jsonl(Geography);

    // Three epochs, set rather than "auto" (which gives the 20 geography examples five): 60 steps at batch size 1.
    public static readonly object ThreeEpochs = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3 } } };

    public static string Jsonl(IEnumerable<(string Question, string Answer)> pairs)
    {
        var text = new StringBuilder();
        foreach (var (question, answer) in pairs)
        {
            text.AppendLine(JsonSerializer.Serialize(new
            {
                messages = new object[]
                {
                    new { role = "system", content = System },
                    new { role = "user", content = question },
                    new { role = "assistant", content = answer },
                },
            }));
        }
        return text.ToString();
    }
}
