using System.Text;

namespace FineTune.Web.Playground;

// One of the two models of the playground: its own answers to the shared user messages.
public sealed class PlaygroundSide(string name)
{
    private readonly List<StringBuilder> _answers = [];

    public string Name { get; } = name;

    public string? Model { get; set; }

    // The provider connection that serves the model; null: the server's own.
    public string? ConnectionId { get; set; }

    // The models of that connection's provider, to pick from.
    public IReadOnlyList<ModelInfo> Models { get; set; } = [];

    public IReadOnlyList<string> Answers => _answers.Select(a => a.ToString()).ToList();

    public bool Streaming { get; private set; }

    public string? Error { get; private set; }

    // The conversation this model sees: the system prompt, the user messages and its own earlier answers.
    public IReadOnlyList<ChatTurn> Conversation(string? system, IReadOnlyList<string> userMessages)
    {
        var turns = new List<ChatTurn>();
        if (!string.IsNullOrWhiteSpace(system)) turns.Add(new ChatTurn("system", system));
        for (var i = 0; i < userMessages.Count; i++)
        {
            turns.Add(new ChatTurn("user", userMessages[i]));
            if (i < _answers.Count && i < userMessages.Count - 1) turns.Add(new ChatTurn("assistant", _answers[i].ToString()));
        }
        return turns;
    }

    public async Task StreamAsync(IAsyncEnumerable<PlaygroundChunk> chunks, Func<Task> changed)
    {
        var answer = new StringBuilder();
        _answers.Add(answer);
        Streaming = true;
        Error = null;
        try
        {
            await foreach (var chunk in chunks)
            {
                if (chunk.Delta is { } delta) answer.Append(delta);
                if (chunk.Error is { } error) Error = error;
                await changed();
            }
        }
        finally
        {
            Streaming = false;
            await changed();
        }
    }

    public void Clear()
    {
        _answers.Clear();
        Error = null;
    }
}

// One validation example replayed to both models.
public sealed class ValidationRun(PlaygroundPrompt prompt)
{
    public PlaygroundPrompt Prompt { get; } = prompt;
    public string A { get; set; } = "";
    public string B { get; set; } = "";
    public bool Done { get; set; }

    public string Question => Prompt.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";

    public static bool Matches(string answer, string expected) =>
        string.Equals(answer.Trim(), expected.Trim(), StringComparison.OrdinalIgnoreCase);
}
