namespace FineTune.Evals;

// OpenAI's string_check: input against reference with eq, ne, like (contains) or ilike (contains, ignoring case).
// Score 1 or 0, passing at 1.
internal sealed class StringCheckGrader(string name, Template input, Template reference, string operation) : Grader(name)
{
    public static readonly string[] Operations = ["eq", "ne", "like", "ilike"];

    public static StringCheckGrader? Read(GraderReader reader)
    {
        var input = reader.Template("input");
        var reference = reader.Template("reference");
        var operation = reader.Choice("operation", Operations);
        return reader.HasProblems ? null : new StringCheckGrader(reader.Name, input!, reference!, operation!);
    }

    public override Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        var text = input.Render(context);
        var expected = reference.Render(context);
        var passed = operation switch
        {
            "eq" => text == expected,
            "ne" => text != expected,
            "like" => text.Contains(expected, StringComparison.Ordinal),
            _ => text.Contains(expected, StringComparison.OrdinalIgnoreCase),
        };
        return Task.FromResult(Grade(passed ? 1 : 0, passed));
    }
}
