using System.Text;
using System.Text.Json;
using FineTune.LocalProvider.Training;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Chat;

// A completion sent as OpenAI streams it: server-sent events, one token per chunk, then a usage
// chunk when asked for, then [DONE].
public sealed class ChatCompletionStream(string id, long created, string model, Generation generation, int promptTokens, bool includeUsage) : IResult
{
    public const string Fingerprint = "fp_local";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        async Task SendAsync(string data)
        {
            await response.WriteAsync($"data: {data}\n\n", Encoding.UTF8, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }

        ChatCompletionChunk Chunk(ChunkDelta delta, string? finishReason) =>
            new(id, created, model, [new ChunkChoice(0, delta, finishReason, null)], null, Fingerprint);

        await SendAsync(JsonSerializer.Serialize(Chunk(new ChunkDelta("assistant", ""), null), json));
        foreach (var token in TextTokenizer.Split(generation.Text))
            await SendAsync(JsonSerializer.Serialize(Chunk(new ChunkDelta(null, token), null), json));
        await SendAsync(JsonSerializer.Serialize(Chunk(new ChunkDelta(null, null), generation.ReachedLimit ? "length" : "stop"), json));
        if (includeUsage)
        {
            var usage = new UsageObject(promptTokens, generation.TokenCount, promptTokens + generation.TokenCount);
            await SendAsync(JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [], usage, Fingerprint), json));
        }
        await SendAsync("[DONE]");
    }
}
