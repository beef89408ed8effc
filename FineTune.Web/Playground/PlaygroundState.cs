using System.Text;
using FineTune.Web.Api;

namespace FineTune.Web.Playground;

// The playground's two models and what is said to them: one conversation both answer side by side, and a
// validation set replayed to both. The page creates one and gives it `render`, which renders the page from
// any thread: answers stream in token by token.
public sealed class PlaygroundState(FineTuneApiClient api, Func<Task> render)
{
    private readonly List<string> _userMessages = [];
    private readonly List<ValidationRun> _validationRuns = [];
    private bool _runningValidation;
    private DateTime _lastRender;

    public IReadOnlyList<PlaygroundSide> Sides { get; } = [new("a"), new("b")];

    public IReadOnlyList<string> UserMessages => _userMessages;

    public IReadOnlyList<ValidationRun> ValidationRuns => _validationRuns;

    public IReadOnlyList<ProviderConnection> Connections { get; private set; } = [];

    // The workspace's valid datasets, whose prompts can be replayed.
    public IReadOnlyList<DatasetRecord> Datasets { get; private set; } = [];

    public string? System { get; set; }

    public double Temperature { get; set; }

    public int MaxTokens { get; set; } = 128;

    public string? Error { get; private set; }

    public bool Busy => _runningValidation || Sides.Any(s => s.Streaming);

    // The models of a link (a job's base and fine-tuned model), both on the link's connection: the server's when absent.
    public void Choose(string? modelA, string? modelB, string? connection)
    {
        Sides[0].Model = string.IsNullOrEmpty(modelA) ? null : modelA;
        Sides[1].Model = string.IsNullOrEmpty(modelB) ? null : modelB;
        foreach (var side in Sides) side.ConnectionId = string.IsNullOrEmpty(connection) || ProviderConnection.IsServer(connection) ? null : connection;
    }

    public async Task LoadAsync()
    {
        try
        {
            Connections = await api.GetConnectionsAsync();
            var models = await api.GetModelsAsync(Sides[0].ConnectionId);
            foreach (var side in Sides) side.Models = models;
            Datasets = (await api.GetDatasetsAsync()).Where(d => d.Status == DatasetRecord.StatusValid).ToList();
            Sides[0].Model ??= models.FirstOrDefault(m => m.FineTunable)?.Id;
            Sides[1].Model ??= models.FirstOrDefault(m => m.FineTuned && !m.Checkpoint)?.Id;
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
    }

    // A side can talk to another provider than the other side, e.g. a model on OpenAI against its retrained twin on a LocalProvider.
    public async Task ChangeConnectionAsync(PlaygroundSide side, string connectionId)
    {
        side.ConnectionId = ProviderConnection.IsServer(connectionId) ? null : connectionId;
        Error = null;
        try
        {
            side.Models = await api.GetModelsAsync(side.ConnectionId);
            if (side.Models.All(m => m.Id != side.Model)) side.Model = null;
        }
        catch (FineTuneApiException ex)
        {
            side.Models = [];
            Error = ex.UserMessage;
        }
    }

    public async Task SendAsync(string message)
    {
        _userMessages.Add(message.Trim());
        Error = null;
        await Task.WhenAll(Sides.Where(s => s.Model is not null).Select(StreamSideAsync));
    }

    public void Clear()
    {
        _userMessages.Clear();
        foreach (var side in Sides)
        {
            side.Clear();
        }
    }

    public async Task RunValidationAsync(string datasetId, int limit)
    {
        _runningValidation = true;
        _validationRuns.Clear();
        Error = null;
        try
        {
            var prompts = await api.GetPlaygroundPromptsAsync(datasetId, limit);
            _validationRuns.AddRange(prompts.Select(p => new ValidationRun(p)));
            await render();
            foreach (var run in _validationRuns)
            {
                var answers = await Task.WhenAll(Sides.Select(side => AnswerAsync(side, run.Prompt)));
                run.A = answers[0];
                run.B = answers[1];
                run.Done = true;
                await render();
            }
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
        finally
        {
            _runningValidation = false;
        }
        // Run from the validation panel: the rest of the page learns it is no longer busy.
        await render();
    }

    private async Task StreamSideAsync(PlaygroundSide side)
    {
        var request = new PlaygroundChatRequest(side.Model!, side.Conversation(System, _userMessages), Temperature, MaxTokens, side.ConnectionId);
        try
        {
            await side.StreamAsync(api.StreamChatAsync(request), RenderSoonAsync);
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
    }

    // Tokens can arrive faster than a browser needs to see them; render at most every 50 ms while streaming.
    private async Task RenderSoonAsync()
    {
        if ((DateTime.UtcNow - _lastRender).TotalMilliseconds < 50 && Sides.Any(s => s.Streaming))
        {
            return;
        }
        _lastRender = DateTime.UtcNow;
        await render();
    }

    private async Task<string> AnswerAsync(PlaygroundSide side, PlaygroundPrompt prompt)
    {
        if (side.Model is not { } model)
        {
            return "";
        }
        var messages = string.IsNullOrWhiteSpace(System) ? prompt.Messages : [new ChatTurn("system", System), .. prompt.Messages];
        var answer = new StringBuilder();
        await foreach (var chunk in api.StreamChatAsync(new PlaygroundChatRequest(model, messages, Temperature, MaxTokens, side.ConnectionId)))
        {
            answer.Append(chunk.Delta);
            if (chunk.Error is { } chunkError)
            {
                answer.Append("[error: ").Append(chunkError).Append(']');
            }
        }
        return answer.ToString();
    }
}
