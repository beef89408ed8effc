using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace FineTune.Bench.Datasets;

// Writes a chat JSONL in which no string repeats: one single-turn example per documented member of the
// .NET and ASP.NET Core reference packs on this machine (real English reference documentation). It is the
// counterweight to DatasetGenerator, whose repeated system prompts and tools let the token cache shine.
public static partial class DocumentationCorpus
{
    private static readonly string[] AnswerParts = ["summary", "remarks", "returns"];
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Write(string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = 0;
        using var writer = new StreamWriter(path);
        foreach (var file in DocumentationFiles())
        {
            foreach (var member in XDocument.Load(file).Descendants("member"))
            {
                var name = member.Attribute("name")?.Value;
                var answer = string.Join("\n\n", AnswerParts.Select(part => member.Element(part) is { } element ? Text(element) : "")
                    .Where(text => text.Length > 0));
                if (name is null || answer.Length < 40 || !seen.Add(answer)) continue;

                var question = $"What does {name[2..]} in {Path.GetFileNameWithoutExtension(file)} do?";
                var example = new { messages = new[] { new { role = "user", content = question }, new { role = "assistant", content = answer } } };
                writer.WriteLine(JsonSerializer.Serialize(example, Json));
                examples++;
            }
        }
        return examples;
    }

    private static IEnumerable<string> DocumentationFiles()
    {
        var packs = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "packs");
        return Directory.EnumerateFiles(packs, "*.xml", SearchOption.AllDirectories)
            .Where(file => file.Contains($"{Path.DirectorySeparatorChar}ref{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    // The element's words with cross-references written as their names, as a reader of the docs sees them.
    private static string Text(XElement element)
    {
        var parts = element.DescendantNodes().Select(node => node switch
        {
            XText text => text.Value,
            XElement { Name.LocalName: "see" or "seealso" } see => (string?)see.Attribute("cref") is { Length: > 2 } cref ? cref[2..]
                : (string?)see.Attribute("langword") ?? "",
            XElement { Name.LocalName: "paramref" or "typeparamref" } reference => (string?)reference.Attribute("name") ?? "",
            _ => "",
        });
        return Spaces().Replace(string.Concat(parts), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
