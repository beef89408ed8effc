using System.Text.Json;

namespace FineTune.Evals;

// OpenAI's multi: named sub-graders ("graders": {"name": {…}, "email": {…}}) and calculate_output, a formula over their
// scores. Each sub-grader grades as "multi.key", before the multi. The multi passes at score >= pass_threshold, or,
// without one, when every sub-grader passed. A sub-grader that errored makes the multi's grade an error. As at OpenAI,
// a multi holds no multi.
internal sealed class MultiGrader(string name, IReadOnlyList<(string Key, Grader Grader)> graders, string calculateOutput,
    Func<IReadOnlyDictionary<string, double>, double> formula, double? passThreshold) : Grader(name)
{
    public IReadOnlyList<(string Key, Grader Grader)> Graders => graders;

    public static MultiGrader? Read(GraderReader reader, Func<JsonElement, string, Grader?> readSubGrader)
    {
        var graders = new List<(string, Grader)>();
        if (!reader.Has("graders") || reader.Json.GetProperty("graders").ValueKind != JsonValueKind.Object)
        {
            reader.Problem(reader.Has("graders") ? "'graders' must be an object of named graders" : "missing required key 'graders'");
        }
        else
        {
            foreach (var sub in reader.Json.GetProperty("graders").EnumerateObject())
            {
                var grader = readSubGrader(sub.Value, $"{reader.Name}.{sub.Name}");
                if (grader is MultiGrader) reader.Problem($"sub-grader '{sub.Name}' is a multi grader; a multi cannot hold another");
                if (grader is null) reader.Problem($"sub-grader '{sub.Name}' has the problems above");
                else graders.Add((sub.Name, grader));
            }
            if (reader.Json.GetProperty("graders").EnumerateObject().Any() is false) reader.Problem("'graders' is empty");
        }
        var calculateOutput = reader.String("calculate_output");
        Func<IReadOnlyDictionary<string, double>, double>? formula = null;
        try
        {
            if (calculateOutput is not null) formula = Formula.Parse(calculateOutput, graders.Select(sub => sub.Item1).ToHashSet(StringComparer.Ordinal));
        }
        catch (FormatException e)
        {
            reader.Problem(e.Message);
        }
        var threshold = reader.Number("pass_threshold");
        return reader.HasProblems ? null : new MultiGrader(reader.Name, graders, calculateOutput!, formula!, threshold);
    }

    public override async Task AddGradesAsync(GradingContext context, List<EvalGrade> grades, CancellationToken cancellationToken)
    {
        var parts = new List<EvalGrade>(graders.Count);
        foreach (var (_, grader) in graders) await grader.AddGradesAsync(context, parts, cancellationToken);
        grades.AddRange(parts.Select(part => part with { PartOf = Name }));
        grades.Add(Combine(parts));
    }

    public override async Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        var grades = new List<EvalGrade>();
        await AddGradesAsync(context, grades, cancellationToken);
        return grades[^1];
    }

    private EvalGrade Combine(List<EvalGrade> grades)
    {
        var failed = graders.Zip(grades).FirstOrDefault(pair => pair.Second.Error is not null);
        if (failed.Second is not null) return Error($"sub-grader '{failed.First.Key}' could not grade: {failed.Second.Error}");
        var scores = graders.Zip(grades).ToDictionary(pair => pair.First.Key, pair => pair.Second.Score, StringComparer.Ordinal);
        var score = formula(scores);
        if (!double.IsFinite(score)) return Error($"calculate_output \"{calculateOutput}\" is not a finite number for these scores");
        return Grade(score, passThreshold is { } threshold ? score >= threshold : grades.All(grade => grade.Passed));
    }
}
