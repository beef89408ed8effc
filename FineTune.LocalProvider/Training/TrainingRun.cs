namespace FineTune.LocalProvider.Training;

public sealed record TrainingSettings(int Epochs, int BatchSize, double LearningRateMultiplier, int Seed);

public sealed record StepMetrics(
    int Step,
    int Epoch,
    double TrainLoss,
    double TrainMeanTokenAccuracy,
    double? ValidLoss,
    double? ValidMeanTokenAccuracy,
    bool EndsEpoch);

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
    private int[] _order = [];

    public TrainingRun(IReadOnlyList<TrainingExample> training, IReadOnlyList<TrainingExample> validation, TrainingSettings settings)
    {
        if (training.Count == 0) throw new ArgumentException("There is nothing to train on.", nameof(training));
        _training = training;
        _validation = validation;
        _settings = settings;
        _random = new Random(settings.Seed);
        Model = LanguageModel.Create(training, _random);
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

    public StepMetrics NextStep()
    {
        if (IsComplete) throw new InvalidOperationException("The run has no steps left.");
        var stepInEpoch = CompletedSteps % StepsPerEpoch;
        if (stepInEpoch == 0)
        {
            _order = Enumerable.Range(0, _training.Count).ToArray();
            _random.Shuffle(_order);
        }
        var batch = _order.Skip(stepInEpoch * _settings.BatchSize).Take(_settings.BatchSize).Select(index => _training[index]).ToList();
        var train = Model.TrainBatch(batch, BaseLearningRate * _settings.LearningRateMultiplier);
        TrainedTokens += batch.Sum(example => (long)example.TokenCount);

        Evaluation? valid = null;
        if (HasValidation)
        {
            var start = CompletedSteps * _settings.BatchSize;
            valid = Model.Evaluate(Enumerable.Range(start, Math.Min(_settings.BatchSize, _validation.Count))
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
            EndsEpoch: CompletedSteps % StepsPerEpoch == 0);
    }

    public Evaluation? EvaluateFullValidation() =>
        HasValidation ? Model.Evaluate(_validation.Take(FullValidationLimit)) : null;
}
