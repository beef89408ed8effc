using System.Text.Json;

namespace FineTune.LocalProvider.OpenAI;

// OpenAI's wire format (snake_case, nulls written out), also used for what the provider keeps on
// disk, so that a stored event comes back with exactly the JSON it was served with.
public static class OpenAIJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        return options;
    }
}
