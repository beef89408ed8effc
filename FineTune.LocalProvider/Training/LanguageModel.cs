namespace FineTune.LocalProvider.Training;

public sealed record Generation(string Text, int TokenCount, bool ReachedLimit);

public sealed record Evaluation(double Loss, double MeanTokenAccuracy);

// A log-linear next-token model: the logits of the next token are a bias plus one weight row per
// active hashed feature. The features pair the previous tokens with the prompt (all of it, and
// each of its words), so the model can learn both "this prompt is answered with these tokens" and
// "prompts mentioning this word tend to continue like that". Small enough to train in-process,
// real enough that its loss and its answers come from gradient descent on the data.
public sealed class LanguageModel
{
    public const int FeatureBuckets = 4096;
    public const int MaxVocabulary = 2048;
    private const int EndOfText = 0;
    private const int Unknown = 1;
    private const int StartOfText = -1;
    private const int MaxFeatures = 4 + 2 * TextTokenizer.MaxPromptWords;

    private readonly string[] _vocabulary;
    private readonly Dictionary<string, int> _ids;
    private readonly float[] _bias;
    private readonly float[] _weights;

    private LanguageModel(string[] vocabulary, float[] bias, float[] weights)
    {
        _vocabulary = vocabulary;
        _ids = new Dictionary<string, int>(vocabulary.Length, StringComparer.Ordinal);
        for (var id = 0; id < vocabulary.Length; id++) _ids[vocabulary[id]] = id;
        _bias = bias;
        _weights = weights;
    }

    public int VocabularySize => _vocabulary.Length;

    public static LanguageModel Create(IEnumerable<TrainingExample> examples, Random random)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in examples.SelectMany(example => example.Rejected is { } rejected ? [.. example.Segments, rejected] : example.Segments)
                     .SelectMany(segment => segment.Targets))
            counts[token] = counts.GetValueOrDefault(token) + 1;
        // Rare tokens beyond the cap become <unk>, which bounds memory on large files.
        string[] vocabulary = ["<|end|>", "<|unk|>", .. counts
            .OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(MaxVocabulary - 2).Select(pair => pair.Key)];
        var weights = new float[FeatureBuckets * vocabulary.Length];
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)((random.NextDouble() - 0.5) * 0.02);
        return new LanguageModel(vocabulary, new float[vocabulary.Length], weights);
    }

    public LanguageModel Snapshot() => new(_vocabulary, (float[])_bias.Clone(), (float[])_weights.Clone());

    // Takes over the parameters of a snapshot of this model (a checkpoint), to continue from it.
    public void CopyParametersFrom(LanguageModel snapshot)
    {
        if (!snapshot._vocabulary.SequenceEqual(_vocabulary) || snapshot._weights.Length != _weights.Length)
            throw new InvalidOperationException("The snapshot was not taken from a model with this vocabulary.");
        snapshot._bias.CopyTo(_bias, 0);
        snapshot._weights.CopyTo(_weights, 0);
    }

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(FeatureBuckets);
        writer.Write(_vocabulary.Length);
        foreach (var token in _vocabulary) writer.Write(token);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_bias.AsSpan()));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_weights.AsSpan()));
    }

    public static LanguageModel ReadFrom(BinaryReader reader)
    {
        if (reader.ReadInt32() != FeatureBuckets) throw new InvalidDataException("The model was saved with a different number of feature buckets.");
        var vocabulary = new string[reader.ReadInt32()];
        for (var i = 0; i < vocabulary.Length; i++) vocabulary[i] = reader.ReadString();
        var bias = new float[vocabulary.Length];
        var weights = new float[FeatureBuckets * vocabulary.Length];
        reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bias.AsSpan()));
        reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()));
        return new LanguageModel(vocabulary, bias, weights);
    }

    // One gradient-descent step on the summed token cross-entropy of each example, averaged over
    // the batch. Returns the batch's mean token loss and accuracy measured before the update.
    public Evaluation TrainBatch(IReadOnlyList<TrainingExample> batch, double learningRate)
    {
        var vocabularySize = _vocabulary.Length;
        var gradients = new Dictionary<int, float[]>();
        var biasGradient = new float[vocabularySize];
        var probabilities = new float[vocabularySize];
        Span<int> features = stackalloc int[MaxFeatures];
        double loss = 0;
        var correct = 0;
        var tokens = 0;
        foreach (var example in batch)
        {
            foreach (var (context, targets) in Targets(example))
            {
                int previous2 = StartOfText, previous = StartOfText;
                for (var position = 0; position < targets.Length; position++)
                {
                    var target = targets[position];
                    var active = features[..Features(context, previous2, previous, position, features)];
                    Logits(active, probabilities);
                    if (ArgMax(probabilities) == target) correct++;
                    loss -= LogSoftmaxInPlace(probabilities, target);
                    tokens++;

                    // Softmax minus one-hot, shared out over the active features so that a long
                    // prompt does not take a bigger step than a short one.
                    probabilities[target] -= 1;
                    var share = 1f / active.Length;
                    for (var v = 0; v < vocabularySize; v++) biasGradient[v] += probabilities[v] * share;
                    foreach (var bucket in active)
                    {
                        if (!gradients.TryGetValue(bucket, out var row)) gradients[bucket] = row = new float[vocabularySize];
                        for (var v = 0; v < vocabularySize; v++) row[v] += probabilities[v] * share;
                    }
                    previous2 = previous;
                    previous = target;
                }
            }
        }

        var step = (float)(learningRate / Math.Max(batch.Count, 1));
        for (var v = 0; v < vocabularySize; v++) _bias[v] -= step * biasGradient[v];
        // Sorted so that float rounding, and so the losses, are the same on every run.
        foreach (var bucket in gradients.Keys.Order())
        {
            var row = gradients[bucket];
            var weights = _weights.AsSpan(bucket * vocabularySize, vocabularySize);
            for (var v = 0; v < vocabularySize; v++) weights[v] -= step * row[v];
        }
        return tokens == 0 ? new Evaluation(0, 0) : new Evaluation(loss / tokens, (double)correct / tokens);
    }

    // DPO: one step on -log sigmoid(beta * ((log p(chosen) - log p_ref(chosen)) - (log p(rejected) - log p_ref(rejected))))
    // for each pair, averaged over the batch; reference is the model before training. Returns the
    // batch's mean loss and the share of pairs the model already ranked the right way round.
    public Evaluation TrainPreferenceBatch(IReadOnlyList<TrainingExample> batch, double learningRate, double beta, LanguageModel reference)
    {
        var gradients = new Dictionary<int, float[]>();
        var biasGradient = new float[_vocabulary.Length];
        double loss = 0;
        var correct = 0;
        foreach (var example in batch)
        {
            var (margin, chosen, rejected) = PreferenceMargin(example, beta, reference);
            loss += Softplus(-margin);
            if (margin > 0) correct++;
            // d loss / d log p(chosen) = -beta * (1 - sigmoid(margin)); the opposite for rejected.
            var weight = (float)(beta / (1 + Math.Exp(margin)));
            AccumulateGradient(chosen.Context, chosen.Targets, weight, gradients, biasGradient);
            AccumulateGradient(rejected.Context, rejected.Targets, -weight, gradients, biasGradient);
        }
        Apply(gradients, biasGradient, (float)(learningRate / Math.Max(batch.Count, 1)));
        return batch.Count == 0 ? new Evaluation(0, 0) : new Evaluation(loss / batch.Count, (double)correct / batch.Count);
    }

    public Evaluation EvaluatePreferences(IEnumerable<TrainingExample> examples, double beta, LanguageModel reference)
    {
        double loss = 0;
        int correct = 0, count = 0;
        foreach (var example in examples)
        {
            var margin = PreferenceMargin(example, beta, reference).Margin;
            loss += Softplus(-margin);
            if (margin > 0) correct++;
            count++;
        }
        return count == 0 ? new Evaluation(0, 0) : new Evaluation(loss / count, (double)correct / count);
    }

    private (double Margin, (PromptContext Context, int[] Targets) Chosen, (PromptContext Context, int[] Targets) Rejected) PreferenceMargin(
        TrainingExample example, double beta, LanguageModel reference)
    {
        var chosen = Encode(example.Segments[0]);
        var rejected = Encode(example.Rejected ?? throw new InvalidOperationException("A preference example needs a rejected answer."));
        var margin = beta * (SequenceLogProbability(chosen.Context, chosen.Targets) - reference.SequenceLogProbability(chosen.Context, chosen.Targets)
            - SequenceLogProbability(rejected.Context, rejected.Targets) + reference.SequenceLogProbability(rejected.Context, rejected.Targets));
        return (margin, chosen, rejected);
    }

    private (PromptContext Context, int[] Targets) Encode(TrainingSegment segment) =>
        (new PromptContext(segment.Prompt), segment.Targets.Select(token => _ids.GetValueOrDefault(token, Unknown)).Append(EndOfText).ToArray());

    private double SequenceLogProbability(PromptContext context, int[] targets)
    {
        var probabilities = new float[_vocabulary.Length];
        Span<int> features = stackalloc int[MaxFeatures];
        double total = 0;
        int previous2 = StartOfText, previous = StartOfText;
        for (var position = 0; position < targets.Length; position++)
        {
            Logits(features[..Features(context, previous2, previous, position, features)], probabilities);
            total += LogSoftmaxInPlace(probabilities, targets[position]);
            previous2 = previous;
            previous = targets[position];
        }
        return total;
    }

    // Adds coefficient * d(-log p(targets))/d(parameters), shared out over the active features.
    private void AccumulateGradient(PromptContext context, int[] targets, float coefficient, Dictionary<int, float[]> gradients, float[] biasGradient)
    {
        var vocabularySize = _vocabulary.Length;
        var probabilities = new float[vocabularySize];
        Span<int> features = stackalloc int[MaxFeatures];
        int previous2 = StartOfText, previous = StartOfText;
        for (var position = 0; position < targets.Length; position++)
        {
            var active = features[..Features(context, previous2, previous, position, features)];
            Logits(active, probabilities);
            LogSoftmaxInPlace(probabilities, targets[position]);
            probabilities[targets[position]] -= 1;
            var share = coefficient / active.Length;
            for (var v = 0; v < vocabularySize; v++) biasGradient[v] += probabilities[v] * share;
            foreach (var bucket in active)
            {
                if (!gradients.TryGetValue(bucket, out var row)) gradients[bucket] = row = new float[vocabularySize];
                for (var v = 0; v < vocabularySize; v++) row[v] += probabilities[v] * share;
            }
            previous2 = previous;
            previous = targets[position];
        }
    }

    private void Apply(Dictionary<int, float[]> gradients, float[] biasGradient, float step)
    {
        var vocabularySize = _vocabulary.Length;
        for (var v = 0; v < vocabularySize; v++) _bias[v] -= step * biasGradient[v];
        foreach (var bucket in gradients.Keys.Order())
        {
            var row = gradients[bucket];
            var weights = _weights.AsSpan(bucket * vocabularySize, vocabularySize);
            for (var v = 0; v < vocabularySize; v++) weights[v] -= step * row[v];
        }
    }

    private static double Softplus(double x) => x > 30 ? x : Math.Log(1 + Math.Exp(x));

    public Evaluation Evaluate(IEnumerable<TrainingExample> examples)
    {
        var probabilities = new float[_vocabulary.Length];
        Span<int> features = stackalloc int[MaxFeatures];
        double loss = 0;
        int correct = 0, tokens = 0;
        foreach (var example in examples)
        {
            foreach (var (context, targets) in Targets(example))
            {
                int previous2 = StartOfText, previous = StartOfText;
                for (var position = 0; position < targets.Length; position++)
                {
                    var target = targets[position];
                    Logits(features[..Features(context, previous2, previous, position, features)], probabilities);
                    if (ArgMax(probabilities) == target) correct++;
                    loss -= LogSoftmaxInPlace(probabilities, target);
                    tokens++;
                    previous2 = previous;
                    previous = target;
                }
            }
        }
        return tokens == 0 ? new Evaluation(0, 0) : new Evaluation(loss / tokens, (double)correct / tokens);
    }

    // Greedy decoding: always the most likely next token, so an answer is reproducible.
    public Generation Generate(string prompt, int maxTokens)
    {
        var context = new PromptContext(prompt);
        var logits = new float[_vocabulary.Length];
        Span<int> features = stackalloc int[MaxFeatures];
        var text = new System.Text.StringBuilder();
        int previous2 = StartOfText, previous = StartOfText;
        for (var position = 0; position < maxTokens; position++)
        {
            Logits(features[..Features(context, previous2, previous, position, features)], logits);
            logits[Unknown] = float.NegativeInfinity;
            var next = ArgMax(logits);
            if (next == EndOfText) return new Generation(text.ToString(), position, ReachedLimit: false);
            text.Append(_vocabulary[next]);
            previous2 = previous;
            previous = next;
        }
        return new Generation(text.ToString(), maxTokens, ReachedLimit: true);
    }

    private IEnumerable<(PromptContext Context, int[] Targets)> Targets(TrainingExample example) =>
        example.Segments.Select(segment => (new PromptContext(segment.Prompt),
            segment.Targets.Select(token => _ids.GetValueOrDefault(token, Unknown)).Append(EndOfText).ToArray()));

    private static int Features(PromptContext context, int previous2, int previous, int position, Span<int> buckets)
    {
        var count = 0;
        buckets[count++] = Bucket(Mix(1, (ulong)previous));
        buckets[count++] = Bucket(Mix(Mix(2, (ulong)previous2), (ulong)previous));
        buckets[count++] = Bucket(Mix(Mix(3, context.PromptHash), (ulong)position));
        buckets[count++] = Bucket(Mix(Mix(4, context.PromptHash), (ulong)previous));
        foreach (var word in context.WordHashes)
        {
            buckets[count++] = Bucket(Mix(Mix(5, word), (ulong)previous));
            buckets[count++] = Bucket(Mix(Mix(6, word), (ulong)position));
        }
        return count;
    }

    private void Logits(ReadOnlySpan<int> features, Span<float> logits)
    {
        _bias.CopyTo(logits);
        var vocabularySize = _vocabulary.Length;
        foreach (var bucket in features)
        {
            var row = _weights.AsSpan(bucket * vocabularySize, vocabularySize);
            for (var v = 0; v < vocabularySize; v++) logits[v] += row[v];
        }
    }

    // Turns logits into probabilities and returns the log-probability of the target.
    private static double LogSoftmaxInPlace(Span<float> logits, int target)
    {
        var max = float.NegativeInfinity;
        foreach (var logit in logits) max = Math.Max(max, logit);
        double sum = 0;
        for (var v = 0; v < logits.Length; v++) sum += Math.Exp(logits[v] - max);
        var logProbability = logits[target] - max - Math.Log(sum);
        for (var v = 0; v < logits.Length; v++) logits[v] = (float)(Math.Exp(logits[v] - max) / sum);
        return logProbability;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static int Bucket(ulong hash) => (int)(hash % FeatureBuckets);

    private static ulong Mix(ulong seed, ulong value)
    {
        var hash = (seed ^ value) * 0x9E3779B97F4A7C15UL + (seed << 6) + (seed >> 2);
        hash ^= hash >> 31;
        hash *= 0xBF58476D1CE4E5B9UL;
        return hash ^ (hash >> 29);
    }

    // string.GetHashCode changes per process; trained weights must mean the same thing tomorrow.
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var character in text) hash = (hash ^ character) * 1099511628211UL;
        return hash;
    }

    private sealed class PromptContext(string prompt)
    {
        public ulong PromptHash { get; } = StableHash(TextTokenizer.NormalizePrompt(prompt));
        public ulong[] WordHashes { get; } = TextTokenizer.PromptWords(prompt).Select(StableHash).ToArray();
    }
}
