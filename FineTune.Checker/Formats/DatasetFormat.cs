using System.Text.Json;

namespace FineTune.Checker;

// The dataset formats FineTune reads and writes. OpenAI's chat JSONL is the one it stores and trains on; the
// others are converted to and from it line by line (FormatConverter).
public enum DatasetFormat
{
    // OpenAI's fine-tuning JSONL: {"messages": [...]} (supervised, reinforcement) or {"input", "preferred_output", "non_preferred_output"} (DPO).
    OpenAI,

    // Hugging Face TRL: conversational {"messages": [...], "tools"?} for chat data, preference {"prompt", "chosen", "rejected"} for DPO data.
    Trl,

    // {"conversations": [{"from": "system|human|gpt", "value": "..."}]}.
    ShareGpt,

    // {"instruction", "input", "output"} (and "system"): one user turn and its answer.
    Alpaca,
}

public static class DatasetFormats
{
    // The word for "find out from the lines", where a format can be named.
    public const string Detect = "detect";

    public static IReadOnlyList<DatasetFormat> All { get; } = Enum.GetValues<DatasetFormat>();

    public static string NameOf(DatasetFormat format) => format switch
    {
        DatasetFormat.OpenAI => "openai",
        DatasetFormat.Trl => "trl",
        DatasetFormat.ShareGpt => "sharegpt",
        DatasetFormat.Alpaca => "alpaca",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static string Title(DatasetFormat format) => format switch
    {
        DatasetFormat.OpenAI => "OpenAI chat JSONL",
        DatasetFormat.Trl => "TRL",
        DatasetFormat.ShareGpt => "ShareGPT",
        DatasetFormat.Alpaca => "Alpaca",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static DatasetFormat? Parse(string? name) => All.Cast<DatasetFormat?>()
        .FirstOrDefault(format => string.Equals(NameOf(format!.Value), name?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string UnknownMessage(string name) =>
        $"\"{name}\" is not a dataset format; use one of {string.Join(", ", All.Select(NameOf))}.";

    // The format a line is written in, by its keys; null when it looks like none of them. A TRL conversational line
    // ({"messages": ...}) is OpenAI's shape and reads as OpenAI.
    public static DatasetFormat? DetectLine(JsonElement line)
    {
        if (line.ValueKind != JsonValueKind.Object) return null;
        // "input" alone is an Alpaca column as well; an OpenAI preference example also has its outputs.
        if (Has(line, "messages") || Has(line, "preferred_output") || Has(line, "non_preferred_output")) return DatasetFormat.OpenAI;
        if (Has(line, "conversations")) return DatasetFormat.ShareGpt;
        if (Has(line, "chosen") || Has(line, "rejected") || Has(line, "completion") || Has(line, "prompt")) return DatasetFormat.Trl;
        if (Has(line, "instruction") || Has(line, "output")) return DatasetFormat.Alpaca;
        return null;
    }

    private static bool Has(JsonElement line, string key) => line.TryGetProperty(key, out _);
}
