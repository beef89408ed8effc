using System.ComponentModel.DataAnnotations;

namespace FineTune.Data;

// Where fine-tuning happens: the LocalProvider by default, or OpenAI / Azure OpenAI's v1 endpoint
// by giving an endpoint and key in configuration (FineTune:Provider). The code path is the same.
// The Api and the Worker validate it on start.
public sealed class ProviderOptions
{
    public const string Section = "FineTune:Provider";

    // Includes the /v1 segment, as OpenAI's own endpoint does: https://api.openai.com/v1
    [Required(ErrorMessage = $"{Section}:Endpoint is required: the provider's http(s) URL including /v1.")]
    [Url(ErrorMessage = $"{Section}:Endpoint must be an absolute http(s) URL including /v1, such as https://api.openai.com/v1.")]
    public string Endpoint { get; set; } = "http://localhost:5082/v1";

    // The LocalProvider accepts any key; OpenAI needs a real one.
    [Required(ErrorMessage = $"{Section}:ApiKey is required (the LocalProvider accepts any).")]
    public string ApiKey { get; set; } = "local";

    public string? Organization { get; set; }
    public string? Project { get; set; }

    // How often the SDK's own pipeline retries a failed call (null: the SDK's default). The Worker sets 0
    // and schedules its own retries, so one job's backoff never holds a request slot other jobs need.
    [Range(0, int.MaxValue, ErrorMessage = $"{Section}:MaxRetries must not be negative.")]
    public int? MaxRetries { get; set; }

    // How long one call may take before it fails as a timeout (null: the SDK's default of 100 s).
    [Range(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = $"{Section}:NetworkTimeout must be positive.")]
    public TimeSpan? NetworkTimeout { get; set; }
}
