using FineTune.LocalProvider.Training;

namespace FineTune.LocalProvider.FineTuning;

// What a job keeps between steps, so that a paused job resumes exactly where it stopped.
// TrainedTokens is what the job reports when it succeeds: the billable tokens of an epoch times the
// epochs, counted by the dataset checker as FineTune's estimate counts them.
public sealed class JobTraining(TrainingRun run, string modelName, long trainedTokens)
{
    public TrainingRun Run { get; } = run;
    public string ModelName { get; } = modelName;
    public long TrainedTokens { get; } = trainedTokens;
}
