namespace FineTune.Contracts;

// One message of a playground conversation: role is "system", "user" or "assistant".
public sealed record ChatTurn(string Role, string Content);

// ConnectionId: the provider connection that serves the model; null: the server's own.
public sealed record PlaygroundChatRequest(
    string Model, IReadOnlyList<ChatTurn> Messages, double? Temperature = null, int? MaxTokens = null, string? ConnectionId = null);

// What the playground streams: text deltas, then one final chunk with Done set.
public sealed record PlaygroundChunk(string? Delta, bool Done = false, string? FinishReason = null, int? OutputTokens = null, string? Error = null);

// A validation example as the playground replays it: the conversation up to the last assistant
// message, and that message as the expected answer.
public sealed record PlaygroundPrompt(int Line, IReadOnlyList<ChatTurn> Messages, string Expected);
