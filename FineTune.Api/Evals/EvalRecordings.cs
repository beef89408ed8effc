using System.Text.Encodings.Web;
using System.Text.Json;
using FineTune.Api.Datasets;
using FineTune.Evals;

namespace FineTune.Api.Evals;

// Records a finished run: each answered item as one chat example, the prompt the Worker sent followed by the model's
// answer as the assistant message, in a new dataset of the eval's workspace with the run as its provenance. The test set
// streams from its blob to the new one; only the run's items are held, as the store reads them anyway.
public sealed class EvalRecordings(EvalStore evals, BlobStore blobs, DatasetVersions versions, TimeProvider time)
{
    // The run's answers by line; empty when none was answered, which makes no dataset.
    public async Task<IReadOnlyDictionary<int, string>> AnswersAsync(EvalRun run) =>
        (await evals.ItemsAsync(run.Id)).Where(item => item.Output is not null).ToDictionary(item => item.Line, item => item.Output!);

    public Task<DatasetRecord> RecordAsync(Eval eval, EvalRun run, IReadOnlyDictionary<int, string> answers, string name, string userId,
        CancellationToken cancellationToken) =>
        versions.CreateAsync(
            (content, ct) => WriteAsync(content, eval, run, answers, ct), name, eval.WorkspaceId, userId, cancellationToken);

    private async Task<DatasetProvenance> WriteAsync(
        Stream content, Eval eval, EvalRun run, IReadOnlyDictionary<int, string> answers, CancellationToken cancellationToken)
    {
        int examples = 0, skipped = 0;
        using (var reader = new StreamReader(blobs.OpenRead(eval.DatasetSha256)))
        await using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            await foreach (var item in EvalItem.ReadAsync(reader, cancellationToken))
            {
                if (!answers.TryGetValue(item.Line, out var answer))
                {
                    skipped++;
                    continue;
                }
                WriteExample(writer, item.PromptWith(run.SystemPrompt), answer);
                await writer.FlushAsync(cancellationToken);
                writer.Reset();
                await content.WriteAsync(NewLine, cancellationToken);
                examples++;
            }
        }
        return new DatasetProvenance(DatasetProvenance.Recording, run.Model, run.ConnectionId, eval.Id, run.Id, time.GetUtcNow(),
            run.Temperature, run.MaxTokens, run.Seed, run.SystemPrompt, examples, skipped);
    }

    private static void WriteExample(Utf8JsonWriter writer, IReadOnlyList<EvalMessage> prompt, string answer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("messages");
        foreach (var message in prompt) WriteMessage(writer, message.Role, message.Content);
        WriteMessage(writer, "assistant", answer);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    private static readonly byte[] NewLine = "\n"u8.ToArray();
}
