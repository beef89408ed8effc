using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FineTune.Api.Security;

public sealed class RequestLimitOptions
{
    public const string Section = "FineTune:RateLimit";

    // Each token's bucket: refilled at PermitsPerSecond, holding at most Burst requests. Generous enough
    // for the console (a page makes a handful of calls) and for scripts that poll; a runaway loop is cut off.
    public int PermitsPerSecond { get; set; } = 100;
    public int Burst { get; set; } = 1000;

    // Bodies are small JSON except the routes that take files, which declare their own larger limit.
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

public static class RequestLimits
{
    public static void AddRequestLimits(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RequestLimitOptions.Section).Get<RequestLimitOptions>() ?? new();
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
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
        });
    }
}
