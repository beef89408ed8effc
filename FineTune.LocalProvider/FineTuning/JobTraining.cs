using FineTune.LocalProvider.Training;

namespace FineTune.LocalProvider.FineTuning;

// What a job keeps between steps, so that a paused job resumes exactly where it stopped.
public sealed class JobTraining(TrainingRun run, string modelName)
{
    public TrainingRun Run { get; } = run;
    public string ModelName { get; } = modelName;
}
