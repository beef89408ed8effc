namespace FineTune.Data;

// Where fine-tuning happens: the LocalProvider by default, or OpenAI / Azure OpenAI's v1 endpoint
// by giving an endpoint and key in configuration (FineTune:Provider). The code path is the same.
public sealed class ProviderOptions
{
    public const string Section = "FineTune:Provider";

    // Includes the /v1 segment, as OpenAI's own endpoint does: https://api.openai.com/v1
    public string Endpoint { get; set; } = "http://localhost:5082/v1";

    // The LocalProvider accepts any key; OpenAI needs a real one.
    public string ApiKey { get; set; } = "local";

    public string? Organization { get; set; }
    public string? Project { get; set; }

    // How often the SDK's own pipeline retries a failed call (null: the SDK's default). The Worker sets 0
    // and schedules its own retries, so one job's backoff never holds a request slot other jobs need.
    public int? MaxRetries { get; set; }

    // How long one call may take before it fails as a timeout (null: the SDK's default of 100 s).
    public TimeSpan? NetworkTimeout { get; set; }
}
