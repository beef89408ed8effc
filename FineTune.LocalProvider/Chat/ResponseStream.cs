using System.Text;
using System.Text.Json;
using FineTune.LocalProvider.Training;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Chat;

// A response sent as OpenAI streams one: typed server-sent events (event: <type>, data: <json>
// with the same type and a sequence number), from response.created through one text delta per
// token to response.completed, which carries the whole response with its usage.
public sealed class ResponseStream(ResponseObject final) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var sequence = 0;

        async Task SendAsync(string type, Func<int, object> data)
        {
            var payload = JsonSerializer.Serialize(data(sequence++), json);
            await response.WriteAsync($"event: {type}\ndata: {payload}\n\n", Encoding.UTF8, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }

        var message = final.Output[0];
        var text = message.Content[0].Text;
        var inProgress = final with { Status = "in_progress", Output = [], Usage = null, IncompleteDetails = null };
        var openItem = message with { Status = "in_progress", Content = [] };
        var emptyPart = new ResponseOutputText("", []);

        await SendAsync("response.created", n => new { Type = "response.created", SequenceNumber = n, Response = inProgress });
        await SendAsync("response.in_progress", n => new { Type = "response.in_progress", SequenceNumber = n, Response = inProgress });
        await SendAsync("response.output_item.added", n => new { Type = "response.output_item.added", SequenceNumber = n, OutputIndex = 0, Item = openItem });
        await SendAsync("response.content_part.added", n => new
        {
            Type = "response.content_part.added",
            SequenceNumber = n,
            ItemId = message.Id,
            OutputIndex = 0,
            ContentIndex = 0,
            Part = emptyPart,
        });
        foreach (var token in TextTokenizer.Split(text))
        {
            await SendAsync("response.output_text.delta", n => new
            {
                Type = "response.output_text.delta",
                SequenceNumber = n,
                ItemId = message.Id,
                OutputIndex = 0,
                ContentIndex = 0,
                Delta = token,
                Logprobs = Array.Empty<object>(),
            });
        }
        await SendAsync("response.output_text.done", n => new
        {
            Type = "response.output_text.done",
            SequenceNumber = n,
            ItemId = message.Id,
            OutputIndex = 0,
            ContentIndex = 0,
            Text = text,
            Logprobs = Array.Empty<object>(),
        });
        await SendAsync("response.content_part.done", n => new
        {
            Type = "response.content_part.done",
            SequenceNumber = n,
            ItemId = message.Id,
            OutputIndex = 0,
            ContentIndex = 0,
            Part = message.Content[0],
        });
        await SendAsync("response.output_item.done", n => new { Type = "response.output_item.done", SequenceNumber = n, OutputIndex = 0, Item = message });
        var last = final.Status == "incomplete" ? "response.incomplete" : "response.completed";
        await SendAsync(last, n => new { Type = last, SequenceNumber = n, Response = final });
    }
}
