using System.Globalization;
using System.Text.Json;

namespace FineTune.Cli;

// What stops a command before it has a result (an eval run, a job watch), said for the person at the terminal: which file,
// option or address, and what it answered. Exit code 2.
public sealed class CommandException(string message) : Exception(message)
{
    // "POST http://…/api/evals/x/runs: 400 Bad Request: The run cannot start: connectionId: There is no connection c."
    // The body is the Api's problem (title, detail, errors) or an OpenAI-compatible endpoint's error ({ error: { message } }).
    public static async Task<CommandException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var request = response.RequestMessage;
        var status = string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new CommandException($"{request?.Method} {request?.RequestUri}: {status}{Problem(body)}");
    }

    private static string Problem(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return "";
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && Text(error, "message") is { } message)
                return $": {message}";
            var parts = new[] { Text(root, "title"), Text(root, "detail") }.OfType<string>().ToList();
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().Select(field =>
                    $"{field.Name}: {string.Join(" ", field.Value.ValueKind == JsonValueKind.Array ? field.Value.EnumerateArray().Select(e => e.ToString()) : [])}"));
            }
            return parts.Count == 0 ? "" : ": " + string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return body.Length == 0 ? "" : $": {(body.Length > 300 ? body[..300] + "…" : body)}";
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
