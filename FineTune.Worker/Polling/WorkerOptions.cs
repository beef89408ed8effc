namespace FineTune.Worker.Polling;

public sealed class WorkerOptions
{
    public const string Section = "FineTune:Worker";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    // Long enough to outlive a slow provider call; short enough that a dead worker's jobs move on soon.
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);
}
