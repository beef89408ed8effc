namespace FineTune.Evals;

// OpenAI's text_similarity: input against reference by evaluation_metric, passing at score >= pass_threshold.
// cosine embeds both texts (text-embedding-3-large, as OpenAI; `model` picks another, a FineTune extension) through the
// grader's connection. meteor needs WordNet's synonyms, which FineTune does not ship: it grades as an error.
internal sealed class TextSimilarityGrader(string name, Template input, Template reference, string metric, double passThreshold, string? connectionId,
    string embeddingModel) : Grader(name)
{
    public static readonly string[] Metrics = ["fuzzy_match", "bleu", "gleu", "meteor", "cosine", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l"];
    private const string DefaultEmbeddingModel = "text-embedding-3-large";

    public static TextSimilarityGrader? Read(GraderReader reader, bool inMulti)
    {
        var input = reader.Template("input");
        var reference = reader.Template("reference");
        var metric = reader.Choice("evaluation_metric", Metrics);
        // Inside a multi the formula uses the score; its own pass mark is optional there.
        var threshold = reader.Number("pass_threshold", required: !inMulti) ?? 1;
        var connectionId = reader.String("connection_id", required: false);
        var model = reader.String("model", required: false) ?? DefaultEmbeddingModel;
        return reader.HasProblems ? null : new TextSimilarityGrader(reader.Name, input!, reference!, metric!, threshold, connectionId, model);
    }

    public override async Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        var text = input.Render(context);
        var expected = reference.Render(context);
        double score;
        switch (metric)
        {
            case "fuzzy_match": score = FuzzyRatio.Similarity(text, expected); break;
            case "bleu": score = Bleu.Score(text, expected); break;
            case "gleu": score = Bleu.Gleu(text, expected); break;
            case "rouge_l": score = Rouge.L(text, expected); break;
            case "meteor": return Error("meteor is not available: it needs WordNet, which FineTune does not ship; use rouge_l or gleu");
            case "cosine":
                var similarity = await CosineAsync(context.Models, text, expected, cancellationToken);
                if (similarity is null) return Error($"cosine is not available on this connection: it has no embeddings endpoint for {embeddingModel}");
                score = similarity.Value;
                break;
            default: score = Rouge.N(text, expected, metric[^1] - '0'); break;
        }
        return Grade(score, score >= passThreshold);
    }

    private async Task<double?> CosineAsync(IEvalModels models, string text, string expected, CancellationToken cancellationToken)
    {
        var a = await models.EmbedAsync(connectionId, embeddingModel, text, cancellationToken);
        var b = a is null ? null : await models.EmbedAsync(connectionId, embeddingModel, expected, cancellationToken);
        if (a is null || b is null) return null;
        if (a.Count != b.Count) throw new InvalidOperationException($"the embeddings differ in length ({a.Count} and {b.Count})");
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }
        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}
