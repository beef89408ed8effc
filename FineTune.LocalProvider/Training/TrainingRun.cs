namespace FineTune.LocalProvider.Training;

// Beta is DPO's: how far the tuned model may move from the reference; unused by supervised runs.
public sealed record TrainingSettings(int Epochs, int BatchSize, double LearningRateMultiplier, int Seed, double Beta = 0.1, string Method = "supervised")
{
    public bool IsDpo => Method == "dpo";
}

public sealed record StepMetrics(
    int Step,
    int Epoch,
    double TrainLoss,
    double TrainMeanTokenAccuracy,
    double? ValidLoss,
    double? ValidMeanTokenAccuracy,
    bool EndsEpoch,
    long TrainedTokens);

// One training run, advanced a batch at a time so that the caller can pause between steps and
// pick up exactly where it left off. All randomness comes from the seed.
public sealed class TrainingRun
{
    // Scaled by the job's learning-rate multiplier; chosen so that 3 epochs learn a small dataset.
    public const double BaseLearningRate = 1.5;
    private const int FullValidationLimit = 256;

    private readonly IReadOnlyList<TrainingExample> _training;
    private readonly IReadOnlyList<TrainingExample> _validation;
    private readonly TrainingSettings _settings;
    private readonly Random _random;
    private readonly LanguageModel? _reference;
    private int[] _order = [];

    public TrainingRun(IReadOnlyList<TrainingExample> training, IReadOnlyList<TrainingExample> validation, TrainingSettings settings)
    {
        if (training.Count == 0) throw new ArgumentException("There is nothing to train on.", nameof(training));
        _training = training;
        _validation = validation;
        _settings = settings;
        _random = new Random(settings.Seed);
        Model = LanguageModel.Create(training, _random);
        // DPO measures how far the model moved from where it started.
        _reference = settings.IsDpo ? Model.Snapshot() : null;
        StepsPerEpoch = (training.Count + settings.BatchSize - 1) / settings.BatchSize;
        TotalSteps = StepsPerEpoch * settings.Epochs;
    }

    public LanguageModel Model { get; }
    public int StepsPerEpoch { get; }
    public int TotalSteps { get; }
    public int CompletedSteps { get; private set; }
    public long TrainedTokens { get; private set; }
    public bool IsComplete => CompletedSteps >= TotalSteps;
    public bool HasValidation => _validation.Count > 0;

    // Validation loss is measured every this many steps (and on the last), as OpenAI does at intervals.
    public int ValidationInterval => Math.Max(1, StepsPerEpoch / 10);

    // Continues from a checkpoint taken after completedSteps steps of this same run (same data,
    // settings and seed): the shuffles are drawn again so that the rest of the run, and so every
    // later loss, is exactly what it would have been without the interruption.
    public void RestoreFrom(LanguageModel checkpoint, int completedSteps)
    {
        if (CompletedSteps != 0) throw new InvalidOperationException("Only a fresh run can be restored.");
        if (completedSteps < 0 || completedSteps > TotalSteps) throw new ArgumentOutOfRangeException(nameof(completedSteps));
        Model.CopyParametersFrom(checkpoint);
        for (var step = 0; step < completedSteps; step++)
        {
            var batch = Batch(step);
            TrainedTokens += batch.Sum(example => (long)example.TokenCount);
        }
        CompletedSteps = completedSteps;
    }

    private List<TrainingExample> Batch(int step)
    {
        var stepInEpoch = step % StepsPerEpoch;
        if (stepInEpoch == 0)
        {
            _order = Enumerable.Range(0, _training.Count).ToArray();
            _random.Shuffle(_order);
        }
        return _order.Skip(stepInEpoch * _settings.BatchSize).Take(_settings.BatchSize).Select(index => _training[index]).ToList();
    }

    public StepMetrics NextStep()
    {
        if (IsComplete) throw new InvalidOperationException("The run has no steps left.");
        var batch = Batch(CompletedSteps);
        // DPO's gradient carries a factor beta; dividing it out keeps the step on the log-probabilities
        // the size a supervised step has, so the same multiplier means the same pace for both methods.
        var learningRate = BaseLearningRate * _settings.LearningRateMultiplier / (_reference is null ? 1 : _settings.Beta);
        var train = _reference is null ? Model.TrainBatch(batch, learningRate) : Model.TrainPreferenceBatch(batch, learningRate, _settings.Beta, _reference);
        TrainedTokens += batch.Sum(example => (long)example.TokenCount);

        Evaluation? valid = null;
        if (HasValidation && ((CompletedSteps + 1) % ValidationInterval == 0 || CompletedSteps + 1 == TotalSteps))
        {
            var start = CompletedSteps * _settings.BatchSize;
            valid = Evaluate(Enumerable.Range(start, Math.Min(_settings.BatchSize, _validation.Count))
                .Select(index => _validation[index % _validation.Count]));
        }

        CompletedSteps++;
        return new StepMetrics(
            Step: CompletedSteps,
            Epoch: (CompletedSteps - 1) / StepsPerEpoch + 1,
            TrainLoss: train.Loss,
            TrainMeanTokenAccuracy: train.MeanTokenAccuracy,
            ValidLoss: valid?.Loss,
            ValidMeanTokenAccuracy: valid?.MeanTokenAccuracy,
            EndsEpoch: CompletedSteps % StepsPerEpoch == 0,
            TrainedTokens: TrainedTokens);
    }

    public Evaluation? EvaluateFullValidation() =>
        HasValidation ? Evaluate(_validation.Take(FullValidationLimit)) : null;

    private Evaluation Evaluate(IEnumerable<TrainingExample> examples) =>
        _reference is null ? Model.Evaluate(examples) : Model.EvaluatePreferences(examples, _settings.Beta, _reference);
}
