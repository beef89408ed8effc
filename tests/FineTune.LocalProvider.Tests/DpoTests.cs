using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace FineTune.LocalProvider.Tests;

public sealed class DpoTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    // Preferred: the right capital; not preferred: the capital of the next country in the list.
    private static string PreferenceJsonl()
    {
        var pairs = SampleData.Geography;
        var text = new StringBuilder();
        for (var i = 0; i < pairs.Count; i++)
        {
            text.AppendLine(JsonSerializer.Serialize(new
            {
                input = new { messages = new[] { new { role = "user", content = pairs[i].Question } } },
                preferred_output = new[] { new { role = "assistant", content = pairs[i].Answer } },
                non_preferred_output = new[] { new { role = "assistant", content = pairs[(i + 1) % pairs.Count].Answer } },
            }));
        }
        return text.ToString();
    }

    [Fact]
    public async Task A_DPO_job_learns_to_prefer_the_preferred_answers()
    {
        var fileId = await server.UploadAsync(PreferenceJsonl(), "preferences.jsonl");
        var created = await server.CreateJobAsync(new
        {
            model = "gpt-4.1-mini",
            training_file = fileId,
            seed = 12,
            method = new { type = "dpo", dpo = new { hyperparameters = new { beta = "auto", n_epochs = 3 } } },
        });
        Assert.Equal("dpo", created.GetProperty("method").GetProperty("type").GetString());
        var job = await server.WaitForStatusAsync(created.GetProperty("id").GetString()!, "succeeded", "failed");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(0.1, job.GetProperty("method").GetProperty("dpo").GetProperty("hyperparameters").GetProperty("beta").GetDouble());

        var losses = (await server.GetAllEventsAsync(job.GetProperty("id").GetString()!)).Where(e => e.GetProperty("type").GetString() == "metrics")
            .Reverse().Select(e => e.GetProperty("data").GetProperty("train_loss").GetDouble()).ToList();
        Assert.Equal(60, losses.Count);
        Assert.Equal(Math.Log(2), losses[0], 3);
        Assert.True(losses.TakeLast(20).Average() < 0.8 * losses.Take(20).Average(), $"first epoch {losses.Take(20).Average()}, last {losses.TakeLast(20).Average()}");

        var chat = server.OpenAI.GetChatClient(job.GetProperty("fine_tuned_model").GetString()!);
        var preferred = 0;
        foreach (var (question, answer) in SampleData.Geography)
        {
            ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage(question)]);
            if (completion.Content[0].Text == answer) preferred++;
        }
        Assert.True(preferred >= 15, $"Only {preferred} of 20 answers were the preferred ones.");
    }

    [Fact]
    public async Task A_chat_file_for_a_DPO_job_fails_validation()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var created = await server.CreateJobAsync(new { model = "gpt-4.1-mini", training_file = fileId, method = new { type = "dpo" } });
        var job = await server.WaitForStatusAsync(created.GetProperty("id").GetString()!, "succeeded", "failed");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("invalid_training_file", job.GetProperty("error").GetProperty("code").GetString());
    }
}
