using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace FineTune.Checker;

// Checks one example (one line) at a time and adds what it finds to a worker's tally.
// Paths are JSONPath-like ("$.messages[2].content") and built only when something is wrong.
// method: the training method the file is for, or null when the report assumes one from the lines.
internal sealed class ExampleChecker(CheckTally tally, ModelEntry model, string? method)
{
    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool", "function"];
    private static readonly string[] MessageKeys = ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"];
    private static readonly string[] ChatKeys = ["messages", "tools", "functions", "parallel_tool_calls"];
    private static readonly string[] PreferenceKeys = ["input", "preferred_output", "non_preferred_output"];
    private static readonly string[] SchemaTypes = ["object", "array", "string", "number", "integer", "boolean", "null"];
    private const int MaxFreeKeys = 200;
    private const int MaxSchemaDepth = 32;

    private readonly TokenCounter _tokens = new();
    private int _line;
    private int _order;

    public void CheckLine(ReadOnlyMemory<byte> line, int lineNumber)
    {
        _line = lineNumber;
        _order = 0;
        var content = line;
        if (content.Span.StartsWith(Utf8ByteOrderMark))
        {
            Error(DatasetCodes.ByteOrderMark, lineNumber == 1
                ? "The file starts with a byte order mark; save it as UTF-8 without BOM."
                : "This line starts with a byte order mark (were files joined together?); remove it.", "$");
            content = content[Utf8ByteOrderMark.Length..];
        }
        if (content.Span.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0) return;

        tally.ExampleCount++;
        if (!Utf8.IsValid(content.Span))
        {
            Error(DatasetCodes.InvalidUtf8, "This line is not valid UTF-8; save the file as UTF-8.", "$");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException e)
        {
            Error(DatasetCodes.InvalidJson, $"This line is not valid JSON: {e.Message}", "$");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error(DatasetCodes.DataType, "Each line must be a JSON object.", "$");
                return;
            }

            var hash = XxHash3.HashToUInt64(content.Span.Trim(" \t"u8));
            if (!tally.FirstLineByHash.TryAdd(hash, lineNumber)) tally.AddDuplicate(lineNumber, hash);

            if (HasAny(root, PreferenceKeys)) CheckPreferenceExample(root);
            else CheckMessagesExample(root);
        }
    }

    private void CheckMessagesExample(JsonElement root)
    {
        if (method is null)
            tally.MessagesFamilyLines.Add(_line, _order++, DatasetCodes.MixedFormats,
                "This line is a messages example, but most of the file is preference (DPO) examples.", "$");
        else
            tally.MessagesFamilyLines.Add(_line, _order++, DatasetCodes.MethodMismatch,
                $"This line is a messages example; {method} trains on preference examples (\"input\", \"preferred_output\", \"non_preferred_output\").", "$");

        var freeKeys = false;
        foreach (var property in root.EnumerateObject())
        {
            if (IsOneOf(property, ChatKeys)) continue;
            freeKeys = true;
            if (tally.FreeKeys.ContainsKey(property.Name) || tally.FreeKeys.Count < MaxFreeKeys)
                tally.FreeKeys[property.Name] = tally.FreeKeys.GetValueOrDefault(property.Name) + 1;
            tally.ChatOnlyWarnings.Add(_line, _order++, DatasetCodes.ExampleUnrecognizedKey,
                $"\"{property.Name}\" is not a key of a chat example; supervised fine-tuning ignores it.", $"$.{property.Name}");
        }
        if (!root.TryGetProperty("messages"u8, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            Error(DatasetCodes.MissingMessagesList, "The example has no \"messages\" list.", "$.messages");
            return;
        }

        var example = new ExampleTally { Tokens = 3 };
        example.Functions = CheckToolDefinitions(root, "$", ref example);
        CheckMessages(messages, "$.messages", ref example);

        // Reinforcement data leaves the answer to the model and carries what graders need beside the messages.
        if (example.EndsWithAssistant) tally.ChatSignals++;
        else if (freeKeys) tally.ReinforcementSignals++;

        if (!example.HasAssistant)
            tally.ChatOnlyErrors.Add(_line, _order++, DatasetCodes.ExampleMissingAssistantMessage, "The example has no assistant message to learn from.", "$.messages");
        if (!example.HasUser)
            Warning(DatasetCodes.MissingUserMessage, "The example has no user message.", "$.messages");
        RecordExample(ref example);
    }

    private void CheckPreferenceExample(JsonElement root)
    {
        tally.PreferenceSignals++;
        if (method is null)
            tally.PreferenceLines.Add(_line, _order++, DatasetCodes.MixedFormats,
                "This line is a preference (DPO) example, but most of the file is messages examples.", "$");
        else
            tally.PreferenceLines.Add(_line, _order++, DatasetCodes.MethodMismatch,
                $"This line is a preference (DPO) example; {method} trains on examples with a \"messages\" list.", "$");

        foreach (var property in root.EnumerateObject())
        {
            if (!IsOneOf(property, PreferenceKeys))
                Warning(DatasetCodes.ExampleUnrecognizedKey, $"\"{property.Name}\" is not a key of a preference example; it is ignored.", $"$.{property.Name}");
        }

        var example = new ExampleTally { Tokens = 3 };
        if (!root.TryGetProperty("input"u8, out var input) || input.ValueKind != JsonValueKind.Object)
        {
            Error(DatasetCodes.PreferenceMissingKey, "The example has no \"input\" object holding the conversation so far.", "$.input");
        }
        else if (!input.TryGetProperty("messages"u8, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            Error(DatasetCodes.MissingMessagesList, "The example's input has no \"messages\" list.", "$.input.messages");
        }
        else
        {
            example.Functions = CheckToolDefinitions(input, "$.input", ref example);
            CheckMessages(messages, "$.input.messages", ref example);
            if (!example.HasUser) Warning(DatasetCodes.MissingUserMessage, "The example's input has no user message.", "$.input.messages");
        }

        CheckPreferenceOutput(root, "preferred_output", ref example);
        CheckPreferenceOutput(root, "non_preferred_output", ref example);
        RecordExample(ref example);
    }

    private void CheckPreferenceOutput(JsonElement root, string key, ref ExampleTally example)
    {
        var path = "$." + key;
        if (!root.TryGetProperty(key, out var output))
        {
            Error(DatasetCodes.PreferenceMissingKey, $"The example has no \"{key}\".", path);
            return;
        }
        if (output.ValueKind != JsonValueKind.Array || output.GetArrayLength() != 1
            || output[0].ValueKind != JsonValueKind.Object
            || !output[0].TryGetProperty("role"u8, out var role) || !role.ValueEquals("assistant"u8))
        {
            Error(DatasetCodes.InvalidPreferenceOutput, $"\"{key}\" must be a list holding exactly one assistant message.", path);
            return;
        }
        CheckMessages(output, path, ref example);
    }

    // Checks a list of messages and counts their tokens the cookbook's way: 3 per message, the
    // tokens of its string values, 1 more for a name.
    private void CheckMessages(JsonElement messages, string listPath, ref ExampleTally example)
    {
        var index = -1;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            example.Messages++;
            example.EndsWithAssistant = false;
            if (message.ValueKind != JsonValueKind.Object)
            {
                Error(DatasetCodes.DataType, "Each message must be a JSON object.", Item(listPath, index));
                continue;
            }
            tally.MessageCount++;
            example.Tokens += 3;

            foreach (var property in message.EnumerateObject())
            {
                if (!IsOneOf(property, MessageKeys))
                    Error(DatasetCodes.MessageUnrecognizedKey, $"The message has an unrecognized key \"{property.Name}\".", $"{Item(listPath, index)}.{property.Name}");
            }

            if (!message.TryGetProperty("role"u8, out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
            {
                Error(DatasetCodes.MessageMissingKey, "The message has no \"role\".", $"{Item(listPath, index)}.role");
                continue;
            }
            var role = KnownRole(roleElement);
            if (role is null)
            {
                Error(DatasetCodes.UnrecognizedRole,
                    $"\"{roleElement.GetString()}\" is not a role; use system, developer, user, assistant or tool.", $"{Item(listPath, index)}.role");
                continue;
            }
            tally.CountRole(role);
            example.Tokens += CountText(roleElement, listPath, index, "role");

            var isAssistant = role == "assistant";
            example.EndsWithAssistant = isAssistant;
            switch (role)
            {
                case "assistant": example.HasAssistant = true; break;
                case "user": example.HasUser = true; break;
                case "system" or "developer": example.HasSystem = true; break;
            }

            // A message after an assistant's tool calls that is not a tool answer leaves calls unanswered.
            if (role != "tool" && example.PendingCalls is { Count: > 0 } pending)
            {
                Error(DatasetCodes.ToolCallMismatch,
                    $"Tool call {string.Join(", ", pending.Select(id => $"\"{id}\""))} has no tool message answering it before this message.",
                    Item(listPath, index));
                pending.Clear();
            }

            var trainable = isAssistant;
            if (message.TryGetProperty("weight"u8, out var weight))
            {
                if (!isAssistant)
                    Error(DatasetCodes.InvalidWeight, "Only assistant messages take a \"weight\".", $"{Item(listPath, index)}.weight");
                else if (weight.ValueKind != JsonValueKind.Number || !weight.TryGetInt32(out var w) || w is not (0 or 1))
                    Error(DatasetCodes.InvalidWeight, $"\"weight\" must be 0 or 1, not {weight.GetRawText()}.", $"{Item(listPath, index)}.weight");
                else
                    trainable = w == 1;
            }

            if (message.TryGetProperty("name"u8, out var name))
            {
                if (name.ValueKind == JsonValueKind.String) example.Tokens += CountText(name, listPath, index, "name") + 1;
                else Error(DatasetCodes.DataType, "\"name\" must be a string.", $"{Item(listPath, index)}.name");
            }
            else if (role == "function")
            {
                Error(DatasetCodes.MessageMissingKey, "A function message needs the \"name\" of the function.", $"{Item(listPath, index)}.name");
            }

            var hasCalls = message.TryGetProperty("tool_calls"u8, out var toolCalls) | message.TryGetProperty("function_call"u8, out var functionCall);
            var answerTokens = 0L;
            if (!message.TryGetProperty("content"u8, out var content) || content.ValueKind == JsonValueKind.Null)
            {
                if (!(isAssistant && hasCalls))
                    Error(DatasetCodes.MissingContent, "The message has no \"content\".", $"{Item(listPath, index)}.content");
            }
            else if (content.ValueKind == JsonValueKind.String)
            {
                answerTokens += CountText(content, listPath, index, "content");
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                if (content.GetArrayLength() == 0 && !(isAssistant && hasCalls))
                    Error(DatasetCodes.MissingContent, "The message's \"content\" list is empty.", $"{Item(listPath, index)}.content");
                answerTokens += CheckContentParts(content, $"{Item(listPath, index)}.content");
            }
            else
            {
                Error(DatasetCodes.DataType, "\"content\" must be a string or a list of content parts.", $"{Item(listPath, index)}.content");
            }

            if (message.TryGetProperty("refusal"u8, out var refusal) && refusal.ValueKind == JsonValueKind.String)
                answerTokens += CountText(refusal, listPath, index, "refusal");

            if (message.TryGetProperty("tool_calls"u8, out _))
                answerTokens += CheckToolCalls(toolCalls, $"{Item(listPath, index)}.tool_calls", isAssistant, ref example);
            if (message.TryGetProperty("function_call"u8, out _))
                answerTokens += CheckFunctionCall(functionCall, $"{Item(listPath, index)}.function_call", isAssistant);

            if (message.TryGetProperty("tool_call_id"u8, out var toolCallId))
            {
                if (toolCallId.ValueKind != JsonValueKind.String)
                {
                    Error(DatasetCodes.DataType, "\"tool_call_id\" must be a string.", $"{Item(listPath, index)}.tool_call_id");
                }
                else
                {
                    example.Tokens += CountText(toolCallId, listPath, index, "tool_call_id");
                    if (role == "tool")
                    {
                        var id = toolCallId.GetString()!;
                        if (example.CallIds is null || !example.CallIds.Contains(id))
                            Error(DatasetCodes.ToolCallMismatch, $"The tool message answers call \"{id}\", which no earlier assistant message made.",
                                $"{Item(listPath, index)}.tool_call_id");
                        example.PendingCalls?.Remove(id);
                    }
                }
            }
            else if (role == "tool")
            {
                Error(DatasetCodes.MessageMissingKey, "A tool message needs the \"tool_call_id\" of the call it answers.", $"{Item(listPath, index)}.tool_call_id");
            }

            example.Tokens += answerTokens;
            if (isAssistant)
            {
                if (trainable) example.Trainable += answerTokens;
                example.LastAnswerHash = XxHash3.HashToUInt64(JsonMarshal.GetRawUtf8Value(message));
            }
        }
    }

    private long CheckContentParts(JsonElement parts, string path)
    {
        long tokens = 0;
        var index = -1;
        foreach (var part in parts.EnumerateArray())
        {
            index++;
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type"u8, out var type) || type.ValueKind != JsonValueKind.String)
            {
                Error(DatasetCodes.InvalidContentPart, "A content part must be an object with a \"type\".", Item(path, index));
                continue;
            }
            if (type.ValueEquals("text"u8))
            {
                if (part.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
                    tokens += CountText(text, path, index, "text");
                else
                    Error(DatasetCodes.InvalidContentPart, "A text part needs a \"text\" string.", $"{Item(path, index)}.text");
            }
            else if (type.ValueEquals("image_url"u8))
            {
                if (!part.TryGetProperty("image_url"u8, out var image) || image.ValueKind != JsonValueKind.Object
                    || !image.TryGetProperty("url"u8, out var url) || url.ValueKind != JsonValueKind.String)
                    Error(DatasetCodes.InvalidContentPart, "An image part needs \"image_url\": { \"url\": \"...\" }.", $"{Item(path, index)}.image_url");
            }
            else
            {
                Error(DatasetCodes.InvalidContentPart, $"\"{type.GetString()}\" is not a content part type; use text or image_url.", $"{Item(path, index)}.type");
            }
        }
        return tokens;
    }

    private long CheckToolCalls(JsonElement calls, string path, bool isAssistant, ref ExampleTally example)
    {
        if (!isAssistant)
        {
            Error(DatasetCodes.InvalidToolCall, "Only assistant messages make tool calls.", path);
            return 0;
        }
        if (calls.ValueKind != JsonValueKind.Array)
        {
            Error(DatasetCodes.InvalidToolCall, "\"tool_calls\" must be a list.", path);
            return 0;
        }

        long tokens = 0;
        var index = -1;
        foreach (var call in calls.EnumerateArray())
        {
            index++;
            var callPath = Item(path, index);
            if (call.ValueKind != JsonValueKind.Object)
            {
                Error(DatasetCodes.InvalidToolCall, "A tool call must be an object.", callPath);
                continue;
            }
            if (!call.TryGetProperty("id"u8, out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } callId)
            {
                Error(DatasetCodes.InvalidToolCall, "The tool call has no \"id\".", $"{callPath}.id");
            }
            else
            {
                example.CallIds ??= [];
                example.PendingCalls ??= [];
                if (!example.CallIds.Add(callId))
                    Error(DatasetCodes.ToolCallMismatch, $"Tool call id \"{callId}\" is used twice in this example.", $"{callPath}.id");
                example.PendingCalls.Add(callId);
            }
            if (call.TryGetProperty("type"u8, out var type) && !type.ValueEquals("function"u8))
                Error(DatasetCodes.InvalidToolCall, "The tool call's \"type\" must be \"function\".", $"{callPath}.type");
            if (!call.TryGetProperty("function"u8, out var function) || function.ValueKind != JsonValueKind.Object)
            {
                Error(DatasetCodes.InvalidToolCall, "The tool call has no \"function\" object.", $"{callPath}.function");
                continue;
            }
            tokens += CheckCalledFunction(function, $"{callPath}.function", example.Functions);
        }
        return tokens;
    }

    private long CheckFunctionCall(JsonElement call, string path, bool isAssistant)
    {
        if (!isAssistant)
        {
            Error(DatasetCodes.InvalidToolCall, "Only assistant messages make function calls.", path);
            return 0;
        }
        if (call.ValueKind != JsonValueKind.Object)
        {
            Error(DatasetCodes.InvalidToolCall, "\"function_call\" must be an object.", path);
            return 0;
        }
        return CheckCalledFunction(call, path, null);
    }

    private long CheckCalledFunction(JsonElement function, string path, HashSet<string>? defined)
    {
        long tokens = 0;
        if (!function.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
        {
            Error(DatasetCodes.InvalidToolCall, "The call has no function \"name\".", $"{path}.name");
        }
        else
        {
            tokens += CountText(name, path, -1, "name");
            if (defined is not null && !defined.Contains(name.GetString()!))
                Error(DatasetCodes.ToolCallMismatch, $"The call names function \"{name.GetString()}\", which the example's tools do not define.", $"{path}.name");
        }

        if (!function.TryGetProperty("arguments"u8, out var arguments) || arguments.ValueKind != JsonValueKind.String)
        {
            Error(DatasetCodes.InvalidToolCall, "The call's \"arguments\" must be a string of JSON.", $"{path}.arguments");
        }
        else
        {
            tokens += CountText(arguments, path, -1, "arguments");
            if (!IsJson(arguments.GetString()!))
                Error(DatasetCodes.InvalidToolCall, "The call's \"arguments\" string is not valid JSON.", $"{path}.arguments");
        }
        return tokens;
    }

    // Checks "tools" and deprecated "functions", counts their tokens (every key and string value)
    // and returns the names of the functions they define, or null when there are none.
    private HashSet<string>? CheckToolDefinitions(JsonElement owner, string path, ref ExampleTally example)
    {
        HashSet<string>? names = null;
        if (owner.TryGetProperty("tools"u8, out var tools))
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                Error(DatasetCodes.InvalidToolDefinition, "\"tools\" must be a list.", $"{path}.tools");
            }
            else
            {
                var index = -1;
                foreach (var tool in tools.EnumerateArray())
                {
                    index++;
                    var toolPath = Item($"{path}.tools", index);
                    if (tool.ValueKind != JsonValueKind.Object)
                    {
                        Error(DatasetCodes.InvalidToolDefinition, "A tool must be an object.", toolPath);
                        continue;
                    }
                    if (tool.TryGetProperty("type"u8, out var type) && !type.ValueEquals("function"u8))
                        Error(DatasetCodes.InvalidToolDefinition, "The tool's \"type\" must be \"function\".", $"{toolPath}.type");
                    if (!tool.TryGetProperty("function"u8, out var function) || function.ValueKind != JsonValueKind.Object)
                    {
                        Error(DatasetCodes.InvalidToolDefinition, "The tool has no \"function\" object.", $"{toolPath}.function");
                        continue;
                    }
                    if (CheckFunctionDefinition(function, $"{toolPath}.function") is { } name) (names ??= []).Add(name);
                }
                example.Tokens += CountTree(tools);
            }
            tally.ExamplesWithTools++;
        }

        if (owner.TryGetProperty("functions"u8, out var functions))
        {
            if (functions.ValueKind != JsonValueKind.Array)
            {
                Error(DatasetCodes.InvalidToolDefinition, "\"functions\" must be a list.", $"{path}.functions");
            }
            else
            {
                var index = -1;
                foreach (var function in functions.EnumerateArray())
                {
                    index++;
                    if (function.ValueKind != JsonValueKind.Object)
                        Error(DatasetCodes.InvalidToolDefinition, "A function must be an object.", Item($"{path}.functions", index));
                    else if (CheckFunctionDefinition(function, Item($"{path}.functions", index)) is { } name)
                        (names ??= []).Add(name);
                }
                example.Tokens += CountTree(functions);
            }
        }

        if (owner.TryGetProperty("parallel_tool_calls"u8, out var parallel) && parallel.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            Error(DatasetCodes.DataType, "\"parallel_tool_calls\" must be true or false.", $"{path}.parallel_tool_calls");
        return names;
    }

    private string? CheckFunctionDefinition(JsonElement function, string path)
    {
        string? name = null;
        if (!function.TryGetProperty("name"u8, out var nameElement) || nameElement.ValueKind != JsonValueKind.String || nameElement.GetString() is not { Length: > 0 } found)
            Error(DatasetCodes.InvalidToolDefinition, "The function has no \"name\".", $"{path}.name");
        else
            name = found;
        if (function.TryGetProperty("description"u8, out var description) && description.ValueKind != JsonValueKind.String)
            Error(DatasetCodes.InvalidToolDefinition, "The function's \"description\" must be a string.", $"{path}.description");
        if (function.TryGetProperty("parameters"u8, out var parameters))
            CheckSchema(parameters, $"{path}.parameters", 0);
        return name;
    }

    // The parts of JSON Schema that decide whether a function's parameters can be used at all.
    private void CheckSchema(JsonElement schema, string path, int depth)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False) return;
        if (schema.ValueKind != JsonValueKind.Object)
        {
            Error(DatasetCodes.InvalidToolDefinition, "A JSON schema must be an object.", path);
            return;
        }
        if (depth > MaxSchemaDepth) return;

        if (schema.TryGetProperty("type"u8, out var type))
        {
            var valid = type.ValueKind switch
            {
                JsonValueKind.String => IsSchemaType(type),
                JsonValueKind.Array => type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && IsSchemaType(t)),
                _ => false,
            };
            if (!valid) Error(DatasetCodes.InvalidToolDefinition, $"{type.GetRawText()} is not a JSON schema type.", $"{path}.type");
        }
        if (schema.TryGetProperty("properties"u8, out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                Error(DatasetCodes.InvalidToolDefinition, "\"properties\" must be an object.", $"{path}.properties");
            else
                foreach (var property in properties.EnumerateObject()) CheckSchema(property.Value, $"{path}.properties.{property.Name}", depth + 1);
        }
        if (schema.TryGetProperty("required"u8, out var required)
            && (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String)))
            Error(DatasetCodes.InvalidToolDefinition, "\"required\" must be a list of property names.", $"{path}.required");
        if (schema.TryGetProperty("items"u8, out var items)) CheckSchema(items, $"{path}.items", depth + 1);
        if (schema.TryGetProperty("additionalProperties"u8, out var additional)) CheckSchema(additional, $"{path}.additionalProperties", depth + 1);
        if (schema.TryGetProperty("enum"u8, out var values) && values.ValueKind != JsonValueKind.Array)
            Error(DatasetCodes.InvalidToolDefinition, "\"enum\" must be a list.", $"{path}.enum");
    }

    private static bool IsSchemaType(JsonElement type)
    {
        foreach (var name in SchemaTypes)
            if (type.ValueEquals(name)) return true;
        return false;
    }

    private void RecordExample(ref ExampleTally example)
    {
        tally.MessagesPerExample[example.Messages] = tally.MessagesPerExample.GetValueOrDefault(example.Messages) + 1;
        if (example.HasSystem) tally.ExamplesWithSystem++;
        else tally.NoSystemMessage.Add(_line, _order++, DatasetCodes.MissingSystemMessage, "The example has no system message, while others have one.", "$");

        var tokens = (int)Math.Min(example.Tokens, int.MaxValue);
        tally.ExampleTokens.Add(tokens);
        tally.TotalTokens += tokens;
        tally.TrainableTokens += example.Trainable;
        tally.BillableTokens += Math.Min(tokens, model.ContextTokens);
        if (tokens > model.ContextTokens)
        {
            tally.ExamplesOverLimit++;
            Error(DatasetCodes.ExampleTooLong, $"The example has {tokens:N0} tokens; {model.Name} takes at most {model.ContextTokens:N0}.", "$");
        }
        if (tokens > tally.LongestTokens)
        {
            tally.LongestTokens = tokens;
            tally.LongestLine = _line;
        }

        if (example.LastAnswerHash is { } answer)
        {
            if (tally.AnswerHash is { } seen && seen != answer) tally.AnswersDiffer = true;
            tally.AnswerHash ??= answer;
            tally.AnswerCount++;
            tally.FirstAnswerLine = Math.Min(tally.FirstAnswerLine, _line);
        }
    }

    private int CountText(JsonElement value, string listPath, int index, string key)
    {
        var count = _tokens.Count(value, out var special);
        if (special is not null)
        {
            var path = index >= 0 ? $"{Item(listPath, index)}.{key}" : $"{listPath}.{key}";
            Error(DatasetCodes.SpecialToken, $"The text holds the special token {special}; models treat it as a control marker, so remove or rephrase it.", path);
        }
        return count;
    }

    // Every key and string value of a JSON tree, in document order.
    private long CountTree(JsonElement element)
    {
        long tokens = 0;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                tokens += _tokens.Count(element, out _);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) tokens += CountTree(item);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    tokens += _tokens.Count(property.Name);
                    tokens += CountTree(property.Value);
                }
                break;
        }
        return tokens;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? KnownRole(JsonElement role)
    {
        foreach (var known in Roles)
            if (role.ValueEquals(known)) return known;
        return null;
    }

    private static bool HasAny(JsonElement root, string[] keys)
    {
        foreach (var key in keys)
            if (root.TryGetProperty(key, out _)) return true;
        return false;
    }

    private static bool IsOneOf(JsonProperty property, string[] names)
    {
        foreach (var name in names)
            if (property.NameEquals(name)) return true;
        return false;
    }

    private static string Item(string path, int index) => $"{path}[{index}]";

    private void Error(string code, string message, string? path) => tally.Errors.Add(_line, _order++, code, message, path);

    private void Warning(string code, string message, string? path) => tally.Warnings.Add(_line, _order++, code, message, path);

    private struct ExampleTally
    {
        public long Tokens;
        public long Trainable;
        public int Messages;
        public bool HasAssistant;
        public bool EndsWithAssistant;
        public bool HasUser;
        public bool HasSystem;
        public ulong? LastAnswerHash;
        public HashSet<string>? Functions;
        public HashSet<string>? CallIds;
        public HashSet<string>? PendingCalls;
    }
}
