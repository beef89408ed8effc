using System.Text.Json;

namespace FineTune.Evals;

// What score_model and label_model share: the judge (model, and connection_id, a FineTune extension), its input
// messages as templates, and sampling_params. Content may be a string, an input_text or output_text part, or a list of
// them, as OpenAI takes it; images and audio have no place in a text judge here.
internal sealed class JudgePrompt(string? connectionId, string model, IReadOnlyList<(string Role, Template Content)> messages, EvalSampling sampling)
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant"];

    public static JudgePrompt? Read(GraderReader reader)
    {
        var model = reader.String("model");
        var connectionId = reader.String("connection_id", required: false);
        var messages = new List<(string, Template)>();
        if (!reader.Has("input") || reader.Json.GetProperty("input").ValueKind != JsonValueKind.Array)
        {
            reader.Problem(reader.Has("input") ? "'input' must be a list of messages" : "missing required key 'input'");
        }
        else
        {
            foreach (var message in reader.Json.GetProperty("input").EnumerateArray())
            {
                if (ReadMessage(reader, message) is { } read) messages.Add(read);
            }
        }
        var sampling = ReadSampling(reader);
        return reader.HasProblems ? null : new JudgePrompt(connectionId, model!, messages, sampling);
    }

    // The judge's reply to the rendered messages and one closing instruction on the shape to answer in.
    public Task<string> AskAsync(GradingContext context, string instruction, CancellationToken cancellationToken)
    {
        List<EvalMessage> rendered = [.. messages.Select(message => new EvalMessage(message.Role, message.Content.Render(context))), new("user", instruction)];
        return context.Models.CompleteAsync(connectionId, model, rendered, sampling, cancellationToken);
    }

    // The JSON object in a judge's reply: the whole reply, the inside of a ```json fence, or the text from the first {
    // to the last }.
    public static JsonElement? FindObject(string reply)
    {
        var text = reply.Trim();
        var fence = text.IndexOf("```", StringComparison.Ordinal);
        if (fence >= 0)
        {
            var start = text.IndexOf('\n', fence);
            var end = start < 0 ? -1 : text.IndexOf("```", start, StringComparison.Ordinal);
            if (end > start) text = text[(start + 1)..end].Trim();
        }
        var open = text.IndexOf('{');
        var close = text.LastIndexOf('}');
        if (open < 0 || close < open) return null;
        return GradingContext.ParseJson(text[open..(close + 1)]) is { ValueKind: JsonValueKind.Object } json ? json : null;
    }

    // The judge's reasoning: OpenAI's steps (their conclusions), or a reasoning or explanation string.
    public static string? Reasoning(JsonElement answer)
    {
        if (answer.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            var conclusions = steps.EnumerateArray()
                .Select(step => step.ValueKind == JsonValueKind.Object && step.TryGetProperty("conclusion", out var c) ? Template.Text(c) : Template.Text(step))
                .Where(text => text.Length > 0);
            return string.Join(" ", conclusions);
        }
        foreach (var key in new[] { "reasoning", "explanation", "reason" })
        {
            if (answer.TryGetProperty(key, out var text) && text.ValueKind == JsonValueKind.String) return text.GetString();
        }
        return null;
    }

    public static string Quote(string reply) => reply.Length <= 200 ? reply : reply[..200] + "…";

    private static (string, Template)? ReadMessage(GraderReader reader, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
        {
            reader.Problem("each input message needs a role and content");
            return null;
        }
        if (!Roles.Contains(role.GetString()))
        {
            reader.Problem($"input message role '{role.GetString()}' is not one of {string.Join(", ", Roles)}");
            return null;
        }
        if (!message.TryGetProperty("content", out var content) || ContentText(content) is not { } text)
        {
            reader.Problem("input message content must be text (a string, an input_text or output_text part, or a list of them)");
            return null;
        }
        return (role.GetString()!, reader.ParseTemplate(text));
    }

    private static string? ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString(),
        JsonValueKind.Object when content.TryGetProperty("type", out var type) && type.GetString() is "input_text" or "output_text" =>
            content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null,
        JsonValueKind.Array => content.EnumerateArray().Select(ContentText).ToList() is var parts && parts.All(part => part is not null)
            ? string.Concat(parts) : null,
        _ => null,
    };

    // OpenAI's seed, temperature and max_completions_tokens (max_completion_tokens and max_tokens too); top_p and
    // reasoning_effort go along for connections that take them.
    private static EvalSampling ReadSampling(GraderReader reader)
    {
        if (!reader.Has("sampling_params")) return new EvalSampling();
        var json = reader.Json.GetProperty("sampling_params");
        if (json.ValueKind != JsonValueKind.Object)
        {
            reader.Problem("'sampling_params' must be an object");
            return new EvalSampling();
        }
        var sampling = reader.Within(json);
        var maxTokens = sampling.Number("max_completions_tokens") ?? sampling.Number("max_completion_tokens") ?? sampling.Number("max_tokens");
        return new EvalSampling(sampling.Number("temperature"), (int?)maxTokens, (int?)sampling.Number("seed"))
        {
            TopP = sampling.Number("top_p"),
            ReasoningEffort = sampling.String("reasoning_effort", required: false),
        };
    }
}
