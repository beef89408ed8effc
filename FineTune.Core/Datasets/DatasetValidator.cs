using System.Text.Unicode;
using System.Text.Json;

namespace FineTune.Core.Datasets;

// Checks a chat-format fine-tuning JSONL file in one streaming pass: one example per line,
// each {"messages":[{"role","content"},...]} with at least one assistant message.
public static class DatasetValidator
{
    public const int MinimumExamples = 10;
    public const int MaxErrorsPerCode = 50;

    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];
    private static readonly HashSet<string> KnownRoles = ["system", "developer", "user", "assistant", "tool", "function"];
    private static readonly HashSet<string> KnownMessageKeys = ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"];

    public static async Task<DatasetReport> ValidateAsync(Stream jsonl, CancellationToken cancellationToken = default)
    {
        var state = new ValidationState();
        long bytes = 0;
        var lineNumber = 0;
        await foreach (var line in JsonlLines.ReadAsync(jsonl, cancellationToken))
        {
            lineNumber++;
            bytes += line.Length + 1;
            var content = line;
            if (lineNumber == 1 && content.Span.StartsWith(Utf8ByteOrderMark))
            {
                state.Error(1, "byte_order_mark", "The file starts with a byte order mark; save it as UTF-8 without BOM.");
                content = content[Utf8ByteOrderMark.Length..];
            }
            if (!Utf8.IsValid(content.Span))
            {
                state.ExampleCount++;
                state.Error(lineNumber, "invalid_utf8", "This line is not valid UTF-8; save the file as UTF-8.");
                continue;
            }
            if (IsBlank(content.Span)) continue;
            CheckExample(content, lineNumber, state);
        }

        if (state.ExampleCount == 0)
        {
            state.Error(Math.Max(lineNumber, 1), "empty_file", "The file holds no examples.");
        }
        else if (state.ExampleCount < MinimumExamples)
        {
            state.Error(lineNumber, "too_few_examples", $"The file has {state.ExampleCount} examples; fine-tuning needs at least {MinimumExamples}.");
        }

        return state.ToReport(bytes);
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    private static void CheckExample(ReadOnlyMemory<byte> line, int lineNumber, ValidationState state)
    {
        state.ExampleCount++;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            state.Error(lineNumber, "invalid_json", $"This line is not valid JSON: {e.Message}");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                state.Error(lineNumber, "data_type", "Each line must be a JSON object.", "$");
                return;
            }
            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                state.Error(lineNumber, "missing_messages_list", "The example has no \"messages\" list.", "$.messages");
                return;
            }

            var hasAssistant = false;
            var index = 0;
            foreach (var message in messages.EnumerateArray())
            {
                var path = $"$.messages[{index++}]";
                if (message.ValueKind != JsonValueKind.Object)
                {
                    state.Error(lineNumber, "data_type", "Each message must be a JSON object.", path);
                    continue;
                }
                state.MessageCount++;
                foreach (var property in message.EnumerateObject())
                {
                    if (!KnownMessageKeys.Contains(property.Name))
                        state.Error(lineNumber, "message_unrecognized_key", $"The message has an unrecognized key \"{property.Name}\".", $"{path}.{property.Name}");
                }
                if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                {
                    state.Error(lineNumber, "message_missing_key", "The message has no \"role\".", $"{path}.role");
                    continue;
                }
                var roleName = role.GetString()!;
                if (!KnownRoles.Contains(roleName))
                {
                    state.Error(lineNumber, "unrecognized_role", $"\"{roleName}\" is not a role; use system, developer, user, assistant or tool.", $"{path}.role");
                    continue;
                }
                state.CountRole(roleName);
                if (roleName == "assistant") hasAssistant = true;

                var hasContent = message.TryGetProperty("content", out var content)
                    && content.ValueKind is JsonValueKind.String or JsonValueKind.Array;
                var hasToolCalls = message.TryGetProperty("tool_calls", out _) || message.TryGetProperty("function_call", out _);
                if (!hasContent && !hasToolCalls)
                    state.Error(lineNumber, "missing_content", "The message has no \"content\".", $"{path}.content");
            }

            if (!hasAssistant)
                state.Error(lineNumber, "example_missing_assistant_message", "The example has no assistant message to learn from.", "$.messages");
        }
    }

    private sealed class ValidationState
    {
        private readonly List<DatasetProblem> _errors = [];
        private readonly Dictionary<string, int> _errorsPerCode = [];
        private readonly Dictionary<string, int> _messagesPerRole = [];

        public int ExampleCount;
        public int MessageCount;

        public void CountRole(string role) => _messagesPerRole[role] = _messagesPerRole.GetValueOrDefault(role) + 1;

        public void Error(int line, string code, string message, string? path = null)
        {
            var count = _errorsPerCode[code] = _errorsPerCode.GetValueOrDefault(code) + 1;
            if (count <= MaxErrorsPerCode) _errors.Add(new DatasetProblem(line, code, message, path));
        }

        public DatasetReport ToReport(long bytes)
        {
            var errors = _errors.ToList();
            foreach (var (code, count) in _errorsPerCode.Where(pair => pair.Value > MaxErrorsPerCode))
            {
                errors.Add(new DatasetProblem(0, code, $"{count - MaxErrorsPerCode} more \"{code}\" errors are not listed."));
            }
            return new DatasetReport(
                Valid: _errorsPerCode.Count == 0,
                Format: "chat",
                ExampleCount: ExampleCount,
                Errors: errors,
                Warnings: [],
                Stats: new DatasetStats(bytes, MessageCount, _messagesPerRole));
        }
    }
}
