using System.Globalization;
using System.Text.Json;

namespace FineTune.Web.Evals;

// How the eval pages write figures, and where they link, so every page says them the same way.
public static class EvalText
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public static string PassRate(double? rate) => rate is { } value ? (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "—";

    public static string Counts(EvalRunCounts counts) =>
        $"{counts.Passed} passed · {counts.Failed} failed · {counts.Errored} errored of {counts.Total}";

    public static string Tokens(EvalUsage usage) => $"{usage.PromptTokens:N0} in · {usage.CompletionTokens:N0} out";

    // Runs of a model the model table has no prices for have no cost.
    public static string Cost(decimal? cost) => cost is { } value ? value.ToString(value < 0.01m ? "$0.0000" : "$0.00", CultureInfo.InvariantCulture) : "—";

    public static string Latency(EvalLatency? latency) => latency is { } value ? $"p50 {value.P50:N0} ms · p95 {value.P95:N0} ms" : "—";

    public static int Graded(EvalRunCounts counts) => counts.Passed + counts.Failed + counts.Errored;

    // The graders' own names (or types, for one without a name), in order.
    public static IReadOnlyList<string> GraderNames(JsonElement graders) => graders.ValueKind != JsonValueKind.Array
        ? []
        : graders.EnumerateArray()
            .Select(grader => grader.ValueKind == JsonValueKind.Object
                ? $"{Property(grader, "name") ?? "unnamed"} ({Property(grader, "type") ?? "?"})"
                : "?")
            .ToList();

    public static string Indented(JsonElement json) => JsonSerializer.Serialize(json, IndentedJson);

    public static string EvalLink(string evalId) => $"/evals/{Uri.EscapeDataString(evalId)}";

    public static string RunLink(string evalId, string runId) => $"{EvalLink(evalId)}/runs/{Uri.EscapeDataString(runId)}";

    // The baseline first.
    public static string CompareLink(string evalId, IEnumerable<string> runIds) =>
        $"{EvalLink(evalId)}/compare?runs={string.Join(',', runIds.Select(Uri.EscapeDataString))}";

    private static string? Property(JsonElement grader, string name) =>
        grader.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
