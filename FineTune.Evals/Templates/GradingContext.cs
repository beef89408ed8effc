using System.Text.Json;

namespace FineTune.Evals;

// One answer to one item, as the graders see it: {{ item.… }}, {{ sample.output_text }} and, when the answer parses as
// JSON, {{ sample.output_json.… }}; and the models judges and embeddings call.
internal sealed class GradingContext
{
    public GradingContext(EvalItem item, string outputText, IEvalModels models)
    {
        Item = item;
        OutputText = outputText;
        Models = models;
        OutputJson = ParseJson(outputText);
        SampleValues = JsonSerializer.SerializeToElement(OutputJson is { } json
            ? new Dictionary<string, object> { ["output_text"] = outputText, ["output_json"] = json }
            : new Dictionary<string, object> { ["output_text"] = outputText });
    }

    public EvalItem Item { get; }
    public string OutputText { get; }
    public JsonElement? OutputJson { get; }
    public IEvalModels Models { get; }

    // What {{ sample.… }} reads.
    public JsonElement SampleValues { get; }

    public static JsonElement? ParseJson(string text)
    {
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
