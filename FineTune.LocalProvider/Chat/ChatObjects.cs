using System.Text.Json.Serialization;

namespace FineTune.LocalProvider.Chat;

public sealed record ChatCompletionObject(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    UsageObject Usage,
    string SystemFingerprint)
{
    public string Object => "chat.completion";
}

public sealed record ChatChoice(int Index, ChatMessageObject Message, string FinishReason, object? Logprobs);

public sealed record ChatMessageObject(string Role, string Content, string? Refusal, IReadOnlyList<object> Annotations);

public sealed record UsageObject(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ChatCompletionChunk(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChunkChoice> Choices,
    UsageObject? Usage,
    string SystemFingerprint)
{
    public string Object => "chat.completion.chunk";
}

public sealed record ChunkChoice(int Index, ChunkDelta Delta, string? FinishReason, object? Logprobs);

public sealed record ChunkDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

public sealed record ResponseObject(
    string Id,
    long CreatedAt,
    string Status,
    object? Error,
    IncompleteDetails? IncompleteDetails,
    string? Instructions,
    int? MaxOutputTokens,
    string Model,
    IReadOnlyList<ResponseOutputMessage> Output,
    bool ParallelToolCalls,
    string? PreviousResponseId,
    double Temperature,
    string ToolChoice,
    IReadOnlyList<object> Tools,
    double TopP,
    string Truncation,
    ResponseUsage? Usage,
    IReadOnlyDictionary<string, string> Metadata)
{
    public string Object => "response";
}

public sealed record IncompleteDetails(string Reason);

public sealed record ResponseOutputMessage(string Id, string Status, string Role, IReadOnlyList<ResponseOutputText> Content)
{
    public string Type => "message";
}

public sealed record ResponseOutputText(string Text, IReadOnlyList<object> Annotations)
{
    public string Type => "output_text";
}

public sealed record ResponseUsage(
    int InputTokens,
    InputTokensDetails InputTokensDetails,
    int OutputTokens,
    OutputTokensDetails OutputTokensDetails,
    int TotalTokens);

public sealed record InputTokensDetails(int CachedTokens);

public sealed record OutputTokensDetails(int ReasoningTokens);
