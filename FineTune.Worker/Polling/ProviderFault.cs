using System.ClientModel;
using System.Globalization;
using System.Text.Json;

namespace FineTune.Worker.Polling;

// Reads what a failed provider call says: whether to call again, and when.
public static class ProviderFault
{
    // A 4xx that asking again will not change (a bad file, an unknown model, a wrong key): the job fails with it.
    // A timeout (408), a conflict (409) or a rate limit (429) passes, as does anything 5xx.
    public static bool IsRefusal(Exception exception) =>
        exception is ClientResultException { Status: >= 400 and < 500 and not (408 or 409 or 429) };

    // The provider's error object ({ "error": { "message", "code", "param" } }), or its status when the body says nothing.
    public static JobError Error(ClientResultException refused)
    {
        try
        {
            using var json = JsonDocument.Parse(refused.GetRawResponse()?.Content ?? BinaryData.Empty);
            if (json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return new JobError(Text(error, "code"), message.GetString()!, Text(error, "param"));
            }
        }
        catch (JsonException)
        {
        }
        return new JobError(null, refused.Message, null);
    }

    private static string? Text(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // The wait a 429 asks for: retry-after-ms (OpenAI's and Azure's precise header), else Retry-After
    // in seconds or as an HTTP date. Null when the failure is not a 429 or names no wait.
    public static TimeSpan? RetryAfter(Exception exception, DateTimeOffset now)
    {
        if (exception is not ClientResultException { Status: 429 } rateLimited) return null;
        var headers = rateLimited.GetRawResponse()?.Headers;
        if (headers is null) return null;
        if (headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }
        if (headers.TryGetValue("Retry-After", out var retryAfter) && retryAfter is not null)
        {
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
                return TimeSpan.FromSeconds(seconds);
            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return date > now ? date - now : TimeSpan.Zero;
        }
        return null;
    }
}
