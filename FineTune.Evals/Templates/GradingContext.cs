using System.Text.Json;

namespace FineTune.Evals;

// One answer to one item, as the graders see it: {{ item.… }}, {{ sample.output_text }} and, when the answer parses as
// JSON, {{ sample.output_json.… }}; and the models judges and embeddings call.
internal sealed class GradingContext
{
    private JsonElement? _sampleValues;

    public GradingContext(EvalItem item, string outputText, IEvalModels models)
    {
        Item = item;
        OutputText = outputText;
        Models = models;
        OutputJson = ParseJson(outputText);
    }

    public EvalItem Item { get; }
    public string OutputText { get; }
    public JsonElement? OutputJson { get; }
    public IEvalModels Models { get; }

    // What {{ sample.… }} reads. Built when a template first reads it: {{ sample.output_text }}, the usual one, is rendered
    // straight from OutputText.
    public JsonElement SampleValues => _sampleValues ??= JsonSerializer.SerializeToElement(OutputJson is { } json
        ? new Dictionary<string, object> { ["output_text"] = OutputText, ["output_json"] = json }
        : new Dictionary<string, object> { ["output_text"] = OutputText });

    public static JsonElement? ParseJson(string text)
    {
        // Most answers are prose: what cannot start a JSON value is not parsed, as a failed parse costs an exception.
        var start = text.AsSpan().TrimStart(" \t\r\n");
        if (start.IsEmpty || !"{[\"-0123456789tfn".Contains(start[0])) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
