using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.Responses;

namespace FineTune.LocalProvider.Tests;

public sealed class FidelityTests(TrainedModelServer server) : IClassFixture<TrainedModelServer>
{
    [Fact]
    public async Task A_streamed_response_sends_typed_events_ending_with_the_completed_response_and_usage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses")
        {
            Content = LocalProviderServer.JsonContent(new { model = server.Model, input = "Capital of Sweden?", stream = true }),
        };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ParseServerSentEvents(await response.Content.ReadAsStringAsync());

        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("response.created", events[0].Name);
        Assert.Equal("in_progress", events[0].Data.GetProperty("response").GetProperty("status").GetString());
        var deltas = events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString()).ToList();
        Assert.True(deltas.Count > 1);
        Assert.Equal("Stockholm.", string.Concat(deltas));
        Assert.Equal("Stockholm.", events.Single(e => e.Name == "response.output_text.done").Data.GetProperty("text").GetString());
        var completed = events[^1];
        Assert.Equal("response.completed", completed.Name);
        var final = completed.Data.GetProperty("response");
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.Equal("Stockholm.", final.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(deltas.Count, final.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task The_SDK_streams_a_response_from_the_fine_tuned_model()
    {
        var responses = server.OpenAI.GetResponsesClient();
        var text = new StringBuilder();
        ResponseResult? completed = null;
        var stream = await responses.CreateResponseStreamingAsync(
            new CreateResponseOptions(server.Model, [ResponseItem.CreateUserMessageItem("Capital of Ireland?")]) { StreamingEnabled = true });
        await foreach (var update in stream)
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta) text.Append(delta.Delta);
            if (update is StreamingResponseCompletedUpdate done) completed = done.Response;
        }
        Assert.Equal("Dublin.", text.ToString());
        Assert.NotNull(completed);
        Assert.Equal("Dublin.", completed.GetOutputText());
        Assert.True(completed.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task A_checkpoint_model_answers_from_its_own_parameters()
    {
        // One epoch with the same seed and data is exactly the first epoch of the three-epoch run.
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var job = await server.CreateJobAsync(new
        {
            model = "gpt-4.1-mini",
            training_file = fileId,
            seed = 9,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1 } } },
        });
        var oneEpoch = (await server.WaitForStatusAsync(job.GetProperty("id").GetString()!, "succeeded")).GetProperty("fine_tuned_model").GetString()!;

        var checkpoint = server.OpenAI.GetChatClient(server.Model + ":ckpt-step-20");
        var sameParameters = server.OpenAI.GetChatClient(oneEpoch);
        var final = server.OpenAI.GetChatClient(server.Model);
        var differsFromFinal = false;
        foreach (var (question, _) in SampleData.Geography)
        {
            var fromCheckpoint = await AnswerAsync(checkpoint, question + " Please.");
            Assert.Equal(await AnswerAsync(sameParameters, question + " Please."), fromCheckpoint);
            differsFromFinal |= fromCheckpoint != await AnswerAsync(final, question + " Please.");
        }
        Assert.True(differsFromFinal, "The checkpoint after one epoch answered every prompt exactly like the final model.");
    }

    [Fact]
    public async Task A_fine_tuned_model_can_be_deleted()
    {
        var fileId = await server.UploadAsync(SampleData.Jsonl(SampleData.Geography.Take(10)));
        var job = await server.CreateJobAsync(new { model = "gpt-4o-mini", training_file = fileId, suffix = "deleteme" });
        var model = (await server.WaitForStatusAsync(job.GetProperty("id").GetString()!, "succeeded", "failed")).GetProperty("fine_tuned_model").GetString()!;

        using var deleted = await server.Http.DeleteAsync($"v1/models/{Uri.EscapeDataString(model)}");
        var body = await LocalProviderServer.ReadJsonAsync(deleted);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.True(body.GetProperty("deleted").GetBoolean());
        using var gone = await server.Http.GetAsync($"v1/models/{Uri.EscapeDataString(model)}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var baseModel = await server.Http.DeleteAsync("v1/models/gpt-4o-mini");
        Assert.Equal(HttpStatusCode.Forbidden, baseModel.StatusCode);
    }

    [Fact]
    public async Task Metadata_is_kept_on_the_job_and_estimated_finish_is_set_while_running()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var created = await server.CreateJobAsync(new { model = "gpt-4o-mini", training_file = fileId, metadata = new { team = "geo", run = "7" } });
        Assert.Equal("geo", created.GetProperty("metadata").GetProperty("team").GetString());
        var done = await server.WaitForStatusAsync(created.GetProperty("id").GetString()!, "succeeded");
        Assert.Equal("7", done.GetProperty("metadata").GetProperty("run").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("estimated_finish").ValueKind);

        var (status, error) = await server.PostAsync("v1/fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = fileId, metadata = new { n = 1 } });
        Assert.Equal(400, status);
        Assert.Equal("metadata.n", error.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Validation_loss_is_measured_at_intervals_and_in_full_at_each_epoch_end()
    {
        var training = await server.UploadAsync(SampleData.GeographyJsonl());
        var validation = await server.UploadAsync(SampleData.Jsonl(SampleData.Geography.Skip(10)), "valid.jsonl");
        var created = await server.CreateJobAsync(new { model = "gpt-4o-mini", training_file = training, validation_file = validation, seed = 2, method = SampleData.ThreeEpochs });
        var job = await server.WaitForStatusAsync(created.GetProperty("id").GetString()!, "succeeded", "failed");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());

        var metrics = (await server.GetAllEventsAsync(job.GetProperty("id").GetString()!))
            .Where(e => e.GetProperty("type").GetString() == "metrics").Select(e => e.GetProperty("data")).Reverse().ToList();
        var validSteps = metrics.Where(m => m.TryGetProperty("valid_loss", out _)).Select(m => m.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => 2 * i), validSteps);
        Assert.All(metrics.Where(m => m.TryGetProperty("valid_loss", out _)), m => Assert.InRange(m.GetProperty("valid_mean_token_accuracy").GetDouble(), 0, 1));
        var fullSteps = metrics.Where(m => m.TryGetProperty("full_valid_loss", out _)).Select(m => m.GetProperty("step").GetInt32());
        Assert.Equal([20, 40, 60], fullSteps);

        var csv = (await server.OpenAI.GetOpenAIFileClient().DownloadFileAsync(job.GetProperty("result_files")[0].GetString()!)).Value.ToString().Trim().Split('\n');
        Assert.Equal("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy", csv[0]);
        Assert.Equal(5, csv[1].Split(',').Length);
        Assert.Equal("", csv[1].Split(',')[3]);
        Assert.NotEqual("", csv[2].Split(',')[3]);
    }

    [Fact]
    public async Task A_file_is_uploaded_in_parts_and_assembled_in_the_given_order()
    {
        var jsonl = SampleData.GeographyJsonl();
        var bytes = Encoding.UTF8.GetBytes(jsonl);
        var half = bytes.Length / 2;
        var (status, upload) = await server.PostAsync("v1/uploads", new { filename = "parts.jsonl", purpose = "fine-tune", bytes = bytes.Length, mime_type = "text/jsonl" });
        Assert.Equal(200, status);
        Assert.Equal("upload", upload.GetProperty("object").GetString());
        Assert.Equal("pending", upload.GetProperty("status").GetString());
        var uploadId = upload.GetProperty("id").GetString()!;

        var second = await AddPartAsync(uploadId, bytes[half..]);
        var first = await AddPartAsync(uploadId, bytes[..half]);
        (status, var tooFew) = await server.PostAsync($"v1/uploads/{uploadId}/complete", new { part_ids = new[] { first } });
        Assert.Equal(400, status);

        (status, var completed) = await server.PostAsync($"v1/uploads/{uploadId}/complete", new { part_ids = new[] { first, second } });
        Assert.Equal(200, status);
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var file = completed.GetProperty("file");
        Assert.Equal(bytes.Length, file.GetProperty("bytes").GetInt64());
        using var content = await server.Http.GetAsync($"v1/files/{file.GetProperty("id").GetString()}/content");
        Assert.Equal(jsonl, await content.Content.ReadAsStringAsync());

        (status, upload) = await server.PostAsync("v1/uploads", new { filename = "x.jsonl", purpose = "fine-tune", bytes = 10, mime_type = "text/jsonl" });
        (status, var cancelled) = await server.PostAsync($"v1/uploads/{upload.GetProperty("id").GetString()}/cancel");
        Assert.Equal(200, status);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
    }

    private async Task<string> AddPartAsync(string uploadId, byte[] data)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(data), "data", "blob" } };
        using var response = await server.Http.PostAsync($"v1/uploads/{uploadId}/parts", form);
        var part = await LocalProviderServer.ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, part.ToString());
        Assert.Equal("upload.part", part.GetProperty("object").GetString());
        return part.GetProperty("id").GetString()!;
    }

    private static async Task<string> AnswerAsync(ChatClient chat, string question)
    {
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage(question)]);
        return completion.Content[0].Text;
    }

    public static List<(string Name, JsonElement Data)> ParseServerSentEvents(string stream) =>
        stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            var lines = block.Split('\n');
            var name = lines.Single(line => line.StartsWith("event: ", StringComparison.Ordinal)).Substring("event: ".Length);
            var data = lines.Single(line => line.StartsWith("data: ", StringComparison.Ordinal)).Substring("data: ".Length);
            return (name, JsonDocument.Parse(data).RootElement.Clone());
        }).ToList();
}

public sealed class FileLimitTests
{
    [Fact]
    public async Task A_file_over_the_size_limit_is_refused_with_413()
    {
        using var server = new ConfiguredLocalProviderServer(null, new Dictionary<string, string?> { ["LocalProvider:MaxFileBytes"] = "1000" });
        using var small = new MultipartFormDataContent
        {
            { new ByteArrayContent(new byte[1000]), "file", "ok.jsonl" },
            { new StringContent("fine-tune"), "purpose" },
        };
        using (var accepted = await server.Http.PostAsync("v1/files", small))
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        using var large = new MultipartFormDataContent
        {
            { new ByteArrayContent(new byte[1001]), "file", "big.jsonl" },
            { new StringContent("fine-tune"), "purpose" },
        };
        using var refused = await server.Http.PostAsync("v1/files", large);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("file_too_large", (await LocalProviderServer.ReadJsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
    }
}
