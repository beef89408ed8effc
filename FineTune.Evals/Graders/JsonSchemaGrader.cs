using System.Text.Json;
using Json.Schema;

namespace FineTune.Evals;

// FineTune's json_schema grader: {type, name, schema}. Passes (score 1) when the answer is JSON and valid against the
// schema (JsonSchema.Net: drafts 6 to 2020-12, format not asserted, as the drafts say by default). Reasoning says why not.
internal sealed class JsonSchemaGrader(string name, JsonSchema schema) : Grader(name)
{

    public static JsonSchemaGrader? Read(GraderReader reader)
    {
        if (!reader.Has("schema"))
        {
            reader.Problem("missing required key 'schema'");
            return null;
        }
        var json = reader.Json.GetProperty("schema").Clone();
        if (json.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            reader.Problem("'schema' must be a JSON Schema object");
            return null;
        }
        try
        {
            // A registry of its own, so two graders' schemas with the same $id do not meet.
            var schema = JsonSchema.Build(json, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            return reader.HasProblems ? null : new JsonSchemaGrader(reader.Name, schema);
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException)
        {
            reader.Problem($"schema is not a valid JSON Schema: {e.Message}");
            return null;
        }
    }

    public override Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        if (context.OutputJson is not { } answer) return Task.FromResult(Grade(0, false, reasoning: "The answer is not JSON."));

        var result = schema.Evaluate(answer, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return Task.FromResult(Grade(1, true));
        var errors = (result.Details ?? [])
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{Location(detail.InstanceLocation.ToString())}: {error.Value}"))
            .Distinct()
            .Take(5);
        return Task.FromResult(Grade(0, false, reasoning: string.Join("; ", errors)));
    }

    private static string Location(string pointer) => pointer.Length == 0 ? "the answer" : pointer;
}
