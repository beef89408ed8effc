using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Evals;

namespace FineTune.Cli.Evals;

// The model under test, the judges and the embeddings, all at one OpenAI-compatible endpoint with plain HTTP (the CLI
// takes no OpenAI SDK). A grader's connection_id names a server's connection, which a run without a server does not
// have: its calls go to the endpoint too. Calls are tried again after a 429 (when Retry-After says) and a 5xx, timeout or
// dropped connection (backing off); other refusals are not.
public sealed class EndpointEvalModels : IEvalModels, IDisposable
{
    private const int Attempts = 5;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

    private readonly HttpClient _http;
    private int _answered;

    public EndpointEvalModels(Uri endpoint, string? apiKey)
    {
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public sealed record ChatAnswer(string Text, int PromptTokens, int CompletionTokens);

    // CommandException when the endpoint refuses the key or the model (401, 403, 404) or cannot be reached at all: every
    // item would fail the same way. Anything else (a 400 for one long prompt, retries spent) is this item's error.
    public async Task<ChatAnswer> AnswerAsync(string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray([.. messages.Select(message => new JsonObject { ["role"] = message.Role, ["content"] = message.Content })]),
        };
        if (sampling.Temperature is { } temperature) body["temperature"] = temperature;
        if (sampling.MaxTokens is { } maxTokens) body["max_tokens"] = maxTokens;
        if (sampling.Seed is { } seed) body["seed"] = seed;

        using var response = await PostAsync("chat/completions", body, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            var problem = await CommandException.FromResponseAsync(response, cancellationToken);
            throw new CommandException($"{problem.Message} (the model --model, the key --api-key or {EvalRunOptions.ApiKeyVariable}, or --endpoint)");
        }
        var answer = await ReadAsync(response, cancellationToken);
        var usage = answer.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
        return new ChatAnswer(MessageText(answer), Tokens(usage, "prompt_tokens"), Tokens(usage, "completion_tokens"));
    }

    public async Task<string> CompleteAsync(
        string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken) =>
        (await AnswerAsync(model, messages, sampling, cancellationToken)).Text;

    public async Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken)
    {
        using var response = await PostAsync("embeddings", new JsonObject { ["model"] = model, ["input"] = text }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        var answer = await ReadAsync(response, cancellationToken);
        return [.. answer.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(number => number.GetSingle())];
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsJsonAsync(path, body, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && Volatile.Read(ref _answered) == 0)
            {
                throw new CommandException($"Cannot reach --endpoint {_http.BaseAddress}: {e.Message}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Backoff(attempt), cancellationToken);
                continue;
            }
            Volatile.Write(ref _answered, 1);
            if (attempt >= Attempts || response.StatusCode is not (HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)) return response;

            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            response.Dispose();
            await Task.Delay(retryAfter is { } wait && wait > TimeSpan.Zero ? wait : Backoff(attempt), cancellationToken);
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << (attempt - 1))) * (0.5 + Random.Shared.NextDouble() / 2);

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw new HttpRequestException((await CommandException.FromResponseAsync(response, cancellationToken)).Message);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    // choices[0].message.content: a string, or null when the model answered with tool calls only.
    private static string MessageText(JsonElement answer) =>
        answer.GetProperty("choices")[0].GetProperty("message").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : "";

    private static int Tokens(JsonElement usage, string name) =>
        usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty(name, out var tokens) && tokens.ValueKind == JsonValueKind.Number ? tokens.GetInt32() : 0;
}
