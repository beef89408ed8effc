using System.Text.Json;

namespace FineTune.Evals.Tests;

// A test double of a remote model: judges reply with fixed texts, in order; embeddings are fixed vectors by text.
// Real model calls are tested with the Worker.
internal sealed class FakeModels(params string[] replies) : IEvalModels
{
    private readonly Queue<string> _replies = new(replies);

    public List<(string? ConnectionId, string Model, IReadOnlyList<EvalMessage> Messages, EvalSampling Sampling)> Asked { get; } = [];
    public Dictionary<string, float[]>? Embeddings { get; init; }
    public Exception? Failure { get; init; }

    public Task<string> CompleteAsync(string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Failure is not null) throw Failure;
        Asked.Add((connectionId, model, messages, sampling));
        return Task.FromResult(_replies.Dequeue());
    }

    public Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<float>?>(Embeddings?[text]);
}

// Parses graders against one item's fields and grades one answer, failing the test on any parse problem.
internal static class Grading
{
    public static async Task<IReadOnlyList<EvalGrade>> Run(string gradersJson, string itemLine, string output, IEvalModels? models = null)
    {
        var item = EvalItem.Parse(1, itemLine);
        var set = Parse(gradersJson, item.FieldNames);
        return await set.GradeAsync(item, output, models ?? new FakeModels(), CancellationToken.None);
    }

    public static async Task<EvalGrade> One(string graderJson, string itemLine, string output, IEvalModels? models = null) =>
        Assert.Single(await Run($"[{graderJson}]", itemLine, output, models));

    public static GraderSet Parse(string gradersJson, IReadOnlySet<string> fields)
    {
        using var document = JsonDocument.Parse(gradersJson);
        var set = GraderSet.Parse(document.RootElement, fields, out var problems);
        Assert.Empty(problems);
        return set;
    }

    public static IReadOnlyList<string> Problems(string gradersJson, params string[] fields)
    {
        using var document = JsonDocument.Parse(gradersJson);
        GraderSet.Parse(document.RootElement, fields.ToHashSet(), out var problems);
        return problems;
    }
}
