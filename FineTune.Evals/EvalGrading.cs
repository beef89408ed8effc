using System.Text.Json;

namespace FineTune.Evals;

// What one grader gave one answer. Score is in the grader's range (0..1 for the text graders); Error is set, and Passed
// false, when the grader could not grade (a judge that did not answer in shape, an embeddings endpoint that is missing).
public sealed record EvalGrade(string Name, double Score, bool Passed, string? Label = null, string? Reasoning = null, string? Error = null);

// Sampling for the model under test and for judges.
public sealed record EvalSampling(double? Temperature = null, int? MaxTokens = null, int? Seed = null);

// The calls graders make to models: judges (score_model, label_model) and embeddings (text_similarity cosine). connectionId
// is the grader's own (a FineTune extension of OpenAI's shape), null for the run's connection.
public interface IEvalModels
{
    Task<string> CompleteAsync(string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken);

    // Null when the connection has no embeddings endpoint.
    Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken);
}

// An eval's graders, parsed from their JSON (OpenAI's grader shapes, plus json_schema and regex) and checked against the
// fields the test set's items have, before anything runs.
public sealed class GraderSet
{
    private GraderSet()
    {
    }

    public IReadOnlyList<string> Names => throw new NotImplementedException();

    // problems: one message per problem, each naming the grader and the field ("grader 'exact' (string_check): template
    // {{ item.answer }} names a field the items do not have").
    public static GraderSet Parse(JsonElement graders, IReadOnlySet<string> itemFields, out IReadOnlyList<string> problems) =>
        throw new NotImplementedException();

    // Every grader on one answer, in order (multi after the graders it names).
    public Task<IReadOnlyList<EvalGrade>> GradeAsync(EvalItem item, string outputText, IEvalModels models, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
