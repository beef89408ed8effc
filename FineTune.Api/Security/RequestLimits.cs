using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Security;

// FineTune:RateLimit, validated on start.
public sealed class RequestLimitOptions
{
    public const string Section = "FineTune:RateLimit";

    // Each token's bucket: refilled at PermitsPerSecond, holding at most Burst requests. Generous enough
    // for the console (a page makes a handful of calls) and for scripts that poll; a runaway loop is cut off.
    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:PermitsPerSecond must be at least 1.")]
    public int PermitsPerSecond { get; set; } = 100;

    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:Burst must be at least 1.")]
    public int Burst { get; set; } = 1000;

    // Bodies are small JSON except the routes that take files, which declare their own larger limit.
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = $"{Section}:MaxRequestBodyBytes must be at least 1.")]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

public static class RequestLimits
{
    public static void AddRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RequestLimitOptions>>((limiter, limits) =>
            LimitEachToken(limiter, limits.Value));
    }

    private static void LimitEachToken(RateLimiterOptions limiter, RequestLimitOptions options)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"This token may make {options.PermitsPerSecond} requests a second (bursts of {options.Burst}); try again after the Retry-After seconds.")
                .ExecuteAsync(context.HttpContext);
        };
        // Partitioned by the bearer token, so one busy script does not slow anyone else down. Requests
        // without a token (health probes, sign-in, invitation previews) are not limited here: sign-in
        // has its own lockout per email, and an invitation token is too long to guess.
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            var authorization = http.Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return RateLimitPartition.GetNoLimiter("anonymous");
            var partition = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));
            return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.Burst,
                TokensPerPeriod = options.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
    }
}
