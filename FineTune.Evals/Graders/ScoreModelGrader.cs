using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Evals;

// OpenAI's score_model: a judge gives a number in range (default [0, 1]), passing at score >= pass_threshold (without
// one, at the middle of the range). OpenAI asks the judge for {"result": float, "steps": [{description, conclusion}]}
// through structured output; a connection here may not have that, so the same shape is asked for in words and the reply
// read leniently: that JSON, a bare number, "score: 0.8", or the one number in the text. Unlike OpenAI, which clips
// the judge's number to the range and counts a reply without one as 0, both are error grades: a judge answering out of
// shape is a broken grader, not a bad answer.
internal sealed partial class ScoreModelGrader(string name, JudgePrompt judge, double min, double max, double passThreshold) : Grader(name)
{

    public static ScoreModelGrader? Read(GraderReader reader)
    {
        var judge = JudgePrompt.Read(reader);
        double min = 0, max = 1;
        if (reader.Has("range"))
        {
            var range = reader.Json.GetProperty("range");
            if (range.ValueKind == JsonValueKind.Array && range.GetArrayLength() == 2 && range.EnumerateArray().All(n => n.ValueKind == JsonValueKind.Number)
                && range[0].GetDouble() < range[1].GetDouble())
            {
                (min, max) = (range[0].GetDouble(), range[1].GetDouble());
            }
            else
            {
                reader.Problem("'range' must be two numbers, the lower first");
            }
        }
        var threshold = reader.Number("pass_threshold") ?? (min + max) / 2;
        return reader.HasProblems ? null : new ScoreModelGrader(reader.Name, judge!, min, max, threshold);
    }

    public override async Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        var instruction = $$"""Reply with only a JSON object: {"result": <your score, a number from {{Format(min)}} to {{Format(max)}}>, """
            + "\"steps\": [{\"description\": \"<what you checked>\", \"conclusion\": \"<what you found>\"}]}";
        var reply = await judge.AskAsync(context, instruction, cancellationToken);
        var answer = JudgePrompt.FindObject(reply);
        var reasoning = answer is { } json ? JudgePrompt.Reasoning(json) : null;
        if (ReadScore(reply, answer) is not { } score) return Error($"the judge's reply has no score: \"{JudgePrompt.Quote(reply)}\"", reasoning);
        if (score < min || score > max) return Error($"the judge's score {Format(score)} is outside the range [{Format(min)}, {Format(max)}]", reasoning);
        return Grade(score, score >= passThreshold, reasoning: reasoning);
    }

    private static double? ReadScore(string reply, JsonElement? answer)
    {
        if (answer is { } json)
        {
            foreach (var key in new[] { "result", "score" })
            {
                if (json.TryGetProperty(key, out var value) && Number(value) is { } number) return number;
            }
        }
        if (Parse(reply.Trim()) is { } bare) return bare;
        var labelled = Labelled().Match(reply);
        if (labelled.Success) return Parse(labelled.Groups[1].Value);
        var numbers = AnyNumber().Matches(reply);
        return numbers.Count == 1 ? Parse(numbers[0].Value) : null;
    }

    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String => Parse(value.GetString()!),
        _ => null,
    };

    private static double? Parse(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\b(?:score|result|rating)\b\W{0,5}(-?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex Labelled();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex AnyNumber();
}
