using System.Text.Json;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.LocalProvider.Chat;

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapOpenAIGroup("v1", "Chat");
        api.MapPost("chat/completions", CreateChatCompletion).WithName("CreateChatCompletion").WithSummary("Chat with a model (stream: true for server-sent events)");
        api.MapPost("responses", CreateResponse).WithName("CreateResponse").WithSummary("Create a model response");
        return app;
    }

    public static async Task<Results<Ok<ChatCompletionObject>, ChatCompletionStream, JsonHttpResult<OpenAIErrorBody>>> CreateChatCompletion(
        HttpRequest request, ModelRegistry models, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await JsonBody.ReadObjectAsync(request, cancellationToken) is not { } body)
            return OpenAIErrors.BadRequest("We could not parse the JSON body of your request. The body must be a JSON object.");
        if (body.String("model") is not { } model)
            return OpenAIErrors.BadRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            return OpenAIErrors.BadRequest("'messages' must be a non-empty array.", "messages", "invalid_value");
        if (!ModelResponder.Exists(models, model)) return ModelsApi.ModelNotFound(model);
        var maxTokens = body.Integer("max_completion_tokens") ?? body.Integer("max_tokens") ?? ModelResponder.DefaultMaxTokens;
        if (maxTokens < 1)
            return OpenAIErrors.BadRequest("max_completion_tokens must be at least 1.", "max_completion_tokens", "invalid_value");

        var generation = ModelResponder.Respond(models, model, ModelResponder.LastText(messages, "user"), maxTokens);
        var promptTokens = ModelResponder.CountTokens(messages);
        var id = OpenAIIds.New("chatcmpl-");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (body.Flag("stream"))
        {
            var includeUsage = body.Object("stream_options")?.Flag("include_usage") ?? false;
            return new ChatCompletionStream(id, created, model, generation, promptTokens, includeUsage);
        }

        var message = new ChatMessageObject("assistant", generation.Text, null, []);
        return TypedResults.Ok(new ChatCompletionObject(id, created, model,
            [new ChatChoice(0, message, generation.ReachedLimit ? "length" : "stop", null)],
            new UsageObject(promptTokens, generation.TokenCount, promptTokens + generation.TokenCount),
            ChatCompletionStream.Fingerprint));
    }

    public static async Task<Results<Ok<ResponseObject>, ResponseStream, JsonHttpResult<OpenAIErrorBody>>> CreateResponse(
        HttpRequest request, ModelRegistry models, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await JsonBody.ReadObjectAsync(request, cancellationToken) is not { } body)
            return OpenAIErrors.BadRequest("We could not parse the JSON body of your request. The body must be a JSON object.");
        if (body.String("model") is not { } model)
            return OpenAIErrors.BadRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (!ModelResponder.Exists(models, model)) return ModelsApi.ModelNotFound(model);

        string prompt;
        int inputTokens;
        if (body.String("input") is { } text)
        {
            prompt = text;
            inputTokens = Training.TextTokenizer.Count(text);
        }
        else if (body.TryGetProperty("input", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            prompt = ModelResponder.LastText(items, "user");
            inputTokens = ModelResponder.CountTokens(items);
        }
        else
        {
            return OpenAIErrors.BadRequest("'input' must be a string or a list of messages.", "input", "invalid_value");
        }
        var instructions = body.String("instructions");
        inputTokens += instructions is null ? 0 : Training.TextTokenizer.Count(instructions);
        var maxOutputTokens = body.Integer("max_output_tokens");
        if (maxOutputTokens is < 1)
            return OpenAIErrors.BadRequest("max_output_tokens must be at least 1.", "max_output_tokens", "invalid_value");

        var generation = ModelResponder.Respond(models, model, prompt, maxOutputTokens ?? ModelResponder.DefaultMaxTokens);
        var status = generation.ReachedLimit ? "incomplete" : "completed";
        var output = new ResponseOutputMessage(OpenAIIds.New("msg_"), status, "assistant", [new ResponseOutputText(generation.Text, [])]);
        var result = new ResponseObject(
            Id: OpenAIIds.New("resp_"),
            CreatedAt: time.GetUtcNow().ToUnixTimeSeconds(),
            Status: status,
            Error: null,
            IncompleteDetails: generation.ReachedLimit ? new IncompleteDetails("max_output_tokens") : null,
            Instructions: instructions,
            MaxOutputTokens: maxOutputTokens,
            Model: model,
            Output: [output],
            ParallelToolCalls: true,
            PreviousResponseId: null,
            Temperature: 1,
            ToolChoice: "auto",
            Tools: [],
            TopP: 1,
            Truncation: "disabled",
            Usage: new ResponseUsage(inputTokens, new InputTokensDetails(0), generation.TokenCount, new OutputTokensDetails(0), inputTokens + generation.TokenCount),
            Metadata: new Dictionary<string, string>());
        return body.Flag("stream") ? new ResponseStream(result) : TypedResults.Ok(result);
    }
}
