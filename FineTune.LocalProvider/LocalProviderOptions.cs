namespace FineTune.LocalProvider;

public sealed class LocalProviderOptions
{
    public const string SectionName = "LocalProvider";
    public const string DataDirectoryKey = "FineTune:DataDirectory";

    // A pause between training steps, so that someone watching the console sees events arrive
    // live instead of a finished job. Tests set it to zero.
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public int MaxConcurrentJobs { get; set; } = 2;

    // OpenAI's limit for one file through /v1/files; bigger files go through /v1/uploads.
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    // OpenAI's limits for /v1/uploads: 64 MB per part, 8 GB per upload.
    public long MaxUploadPartBytes { get; set; } = 64L * 1024 * 1024;
    public long MaxUploadBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    // The shutdown_date /v1/models gives a base model and the models fine-tuned from it, by base model
    // (LocalProvider:ShutdownDates:gpt-4o-mini=2027-01-14), as OpenAI announces one; none by default.
    public Dictionary<string, DateOnly> ShutdownDates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    // From FineTune:DataDirectory (shared with the other services), relative to the content root.
    public string DataDirectory { get; set; } = ".data";
}
