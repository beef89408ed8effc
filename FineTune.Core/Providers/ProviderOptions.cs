namespace FineTune.Core.Providers;

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
}
