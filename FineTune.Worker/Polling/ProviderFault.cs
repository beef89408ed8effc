using System.ClientModel;
using System.Globalization;

namespace FineTune.Worker.Polling;

// Reads what a failed provider call says about when to call again.
public static class ProviderFault
{
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
