using System.ClientModel;
using OpenAI.Chat;

namespace FineTune.LocalProvider.Tests;

// One model trained on the geography sample, shared by the chat tests.
public sealed class TrainedModelServer : LocalProviderServer, IAsyncLifetime
{
    public string Model { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var fileId = await UploadAsync(SampleData.GeographyJsonl());
        var job = await CreateJobAsync(new { model = "gpt-4.1-mini", training_file = fileId, suffix = "", seed = 9, method = SampleData.ThreeEpochs });
        var done = await WaitForStatusAsync(job.GetProperty("id").GetString()!, "succeeded");
        Model = done.GetProperty("fine_tuned_model").GetString()!;
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class ChatTests(TrainedModelServer server) : IClassFixture<TrainedModelServer>
{
    [Fact]
    public void An_empty_suffix_leaves_an_empty_name_part()
    {
        Assert.Matches(@"^ft:gpt-4\.1-mini:local::[A-Za-z0-9]{8}$", server.Model);
    }

    [Fact]
    public async Task The_fine_tuned_model_gives_the_trained_answer_to_every_trained_prompt()
    {
        var chat = server.OpenAI.GetChatClient(server.Model);
        foreach (var (question, answer) in SampleData.Geography)
        {
            ChatCompletion completion = await chat.CompleteChatAsync(
                [new SystemChatMessage(SampleData.System), new UserChatMessage(question)]);
            Assert.Equal(answer, completion.Content[0].Text);
            Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
            Assert.True(completion.Usage.OutputTokenCount > 0);
        }
    }

    [Fact]
    public async Task A_base_model_answers_with_a_labelled_stand_in()
    {
        ChatCompletion completion = await server.OpenAI.GetChatClient("gpt-4.1-mini").CompleteChatAsync([new UserChatMessage("Capital of France?")]);
        Assert.StartsWith("[local base model gpt-4.1-mini]", completion.Content[0].Text);
    }

    [Fact]
    public async Task Streaming_sends_the_answer_in_chunks_with_usage()
    {
        var chat = server.OpenAI.GetChatClient(server.Model);
        var text = "";
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Capital of Australia?")],
            new ChatCompletionOptions()))
        {
            text += string.Concat(update.ContentUpdate.Select(part => part.Text));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.Equal("Canberra, not Sydney.", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Max_tokens_cuts_the_answer_with_finish_reason_length()
    {
        ChatCompletion completion = await server.OpenAI.GetChatClient(server.Model).CompleteChatAsync(
            [new UserChatMessage("Capital of Canada?")], new ChatCompletionOptions { MaxOutputTokenCount = 1 });
        Assert.Equal("Ottawa", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
    }

    [Fact]
    public async Task The_responses_api_answers_with_the_fine_tuned_model()
    {
        var (status, response) = await server.PostAsync("v1/responses", new { model = server.Model, input = "Capital of Norway?", instructions = SampleData.System });
        Assert.Equal(200, status);
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal("Oslo.", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());

        (status, response) = await server.PostAsync("v1/responses", new
        {
            model = server.Model,
            input = new[] { new { role = "user", content = "Capital of Italy?" } },
        });
        Assert.Equal(200, status);
        Assert.Equal("Rome.", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_unknown_model_is_404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            server.OpenAI.GetChatClient("ft:gpt-4o:local::nothere").CompleteChatAsync([new UserChatMessage("Hi")]));
        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Checkpoints_are_models_too()
    {
        var model = await server.GetJsonAsync($"v1/models/{Uri.EscapeDataString(server.Model + ":ckpt-step-60")}");
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal("local", model.GetProperty("owned_by").GetString());
    }
}
