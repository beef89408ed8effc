using System.Text.RegularExpressions;

namespace FineTune.Evals;

// FineTune's regex grader: {type, name, pattern, flags?, input?}. Passes (score 1) when the pattern matches somewhere in
// the input, the answer by default. Flags are letters: i (ignore case), m (^ and $ at lines), s (. matches newlines),
// x (ignore pattern whitespace). A pattern that backtracks past a second gives an error grade, not a hung run.
internal sealed class RegexGrader(string name, Template input, Regex pattern) : Grader(name)
{
    public const string DefaultInput = "{{ sample.output_text }}";
    private static readonly Dictionary<char, RegexOptions> Flags = new()
    {
        ['i'] = RegexOptions.IgnoreCase,
        ['m'] = RegexOptions.Multiline,
        ['s'] = RegexOptions.Singleline,
        ['x'] = RegexOptions.IgnorePatternWhitespace,
    };

    public static RegexGrader? Read(GraderReader reader)
    {
        var input = reader.Template("input", DefaultInput);
        var pattern = reader.String("pattern");
        var flags = reader.String("flags", required: false) ?? "";
        var options = RegexOptions.CultureInvariant;
        foreach (var flag in flags)
        {
            if (Flags.TryGetValue(flag, out var option)) options |= option;
            else reader.Problem($"flags '{flags}' has '{flag}'; the flags are i, m, s and x");
        }
        Regex? regex = null;
        try
        {
            if (pattern is not null) regex = new Regex(pattern, options, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            reader.Problem($"pattern is not a valid regular expression: {e.Message}");
        }
        return reader.HasProblems ? null : new RegexGrader(reader.Name, input!, regex!);
    }

    public override Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        try
        {
            var passed = pattern.IsMatch(input.Render(context));
            return Task.FromResult(Grade(passed ? 1 : 0, passed));
        }
        catch (RegexMatchTimeoutException)
        {
            return Task.FromResult(Error("the pattern took longer than a second on this answer"));
        }
    }
}
