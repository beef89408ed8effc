using System.Text.Json;

namespace FineTune.Evals;

// What one grader gave one answer. Score is in the grader's range (0..1 for the text graders); Error is set, and Passed
// false, when the grader could not grade (a judge that did not answer in shape, an embeddings endpoint that is missing).
// PartOf names the multi grader a sub-grader's grade feeds.
public sealed record EvalGrade(string Name, double Score, bool Passed, string? Label = null, string? Reasoning = null, string? Error = null,
    string? PartOf = null)
{
    // An item passes when every top-level grader passed: those are OpenAI's testing criteria, and a multi's sub-graders only
    // feed its formula (a sub-grader that cannot grade makes the multi an error). Null when a grader could not grade, or
    // there is no grader.
    public static bool? ItemPassed(IReadOnlyList<EvalGrade> grades) =>
        grades.Count == 0 || grades.Any(grade => grade.Error is not null) ? null : grades.Where(grade => grade.PartOf is null).All(grade => grade.Passed);
}

// Sampling for the model under test and for judges.
public sealed record EvalSampling(double? Temperature = null, int? MaxTokens = null, int? Seed = null)
{
    // OpenAI's sampling_params carry these too; a connection that takes them passes them on.
    public double? TopP { get; init; }
    public string? ReasoningEffort { get; init; }
}

// The calls graders make to models: judges (score_model, label_model) and embeddings (text_similarity cosine). connectionId
// is the grader's own (a FineTune extension of OpenAI's shape), null for the run's connection.
public interface IEvalModels
{
    Task<string> CompleteAsync(string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken);

    // Null when the connection has no embeddings endpoint.
    Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken);
}

// An eval's graders, parsed from their JSON (OpenAI's grader shapes, plus json_schema and regex) and checked against the
// fields the test set's items have, before anything runs.
public sealed class GraderSet
{
    public static readonly IReadOnlyList<string> Types = ["string_check", "text_similarity", "score_model", "label_model", "multi", "json_schema", "regex"];

    private readonly List<Grader> _graders;

    private GraderSet(List<Grader> graders)
    {
        _graders = graders;
        Names = [.. graders.SelectMany(GradeNames)];
    }

    // The grades' names, in the order GradeAsync gives them.
    public IReadOnlyList<string> Names { get; }

    // problems: one message per problem, each naming the grader and the field ("grader 'exact' (string_check): template
    // {{ item.answer }} names a field the items do not have"). With problems, the set holds only the graders that had none.
    public static GraderSet Parse(JsonElement graders, IReadOnlySet<string> itemFields, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        problems = found;
        if (graders.ValueKind != JsonValueKind.Array)
        {
            found.Add("graders: expected a list of graders");
            return new GraderSet([]);
        }
        var parsed = new List<Grader>();
        var position = 0;
        foreach (var json in graders.EnumerateArray())
        {
            position++;
            if (ReadGrader(json, null, $"#{position}", inMulti: false, itemFields, found) is { } grader) parsed.Add(grader);
        }
        foreach (var name in parsed.SelectMany(GradeNames).GroupBy(name => name, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            found.Add($"grader '{name.Key}': {name.Count()} graders have this name; each needs its own");
        }
        return new GraderSet(parsed);
    }

    // Every grader on one answer, in order (multi after the graders it names).
    public async Task<IReadOnlyList<EvalGrade>> GradeAsync(EvalItem item, string outputText, IEvalModels models, CancellationToken cancellationToken)
    {
        var context = new GradingContext(item, outputText, models);
        var grades = new List<EvalGrade>();
        foreach (var grader in _graders) await grader.AddGradesAsync(context, grades, cancellationToken);
        return grades;
    }

    // A multi's sub-graders take their name from it and their key ("score.name"); top-level graders from their name.
    private static Grader? ReadGrader(JsonElement json, string? name, string position, bool inMulti, IReadOnlySet<string> itemFields, List<string> problems)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"grader {position}: expected an object");
            return null;
        }
        var type = json.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
        name ??= json.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString()!.Length > 0 ? n.GetString() : null;
        var reader = new GraderReader(json, name ?? position, type ?? "no type", itemFields, problems);
        if (name is null) reader.Problem("missing required key 'name'");
        if (type is null)
        {
            reader.Problem("missing required key 'type'");
            return null;
        }
        Grader? grader = type switch
        {
            "string_check" => StringCheckGrader.Read(reader),
            "text_similarity" => TextSimilarityGrader.Read(reader, inMulti),
            "score_model" => ScoreModelGrader.Read(reader),
            "label_model" => LabelModelGrader.Read(reader),
            "multi" => MultiGrader.Read(reader, (sub, subName) => ReadGrader(sub, subName, subName, inMulti: true, itemFields, problems)),
            "json_schema" => JsonSchemaGrader.Read(reader),
            "regex" => RegexGrader.Read(reader),
            _ => null,
        };
        if (!Types.Contains(type)) reader.Problem($"unknown grader type '{type}' (FineTune has {string.Join(", ", Types)})");
        return reader.HasProblems ? null : grader;
    }

    private static IEnumerable<string> GradeNames(Grader grader) =>
        grader is MultiGrader multi ? [.. multi.Graders.SelectMany(sub => GradeNames(sub.Grader)), multi.Name] : [grader.Name];
}
