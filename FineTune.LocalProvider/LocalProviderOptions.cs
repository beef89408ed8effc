namespace FineTune.LocalProvider;

public sealed class LocalProviderOptions
{
    public const string SectionName = "LocalProvider";
    public const string DataDirectoryKey = "FineTune:DataDirectory";

    // A pause between training steps, so that someone watching the console sees events arrive
    // live instead of a finished job. Tests set it to zero.
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public int MaxConcurrentJobs { get; set; } = 2;

    // From FineTune:DataDirectory (shared with the other services), relative to the content root.
    public string DataDirectory { get; set; } = ".data";
}
