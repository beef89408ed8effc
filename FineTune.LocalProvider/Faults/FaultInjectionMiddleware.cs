using System.Globalization;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Faults;

// Runs before everything else, so a fault looks to the client like the provider misbehaving,
// not like a route answering. The admin routes are never faulted, so a test can always undo them.
public sealed class FaultInjectionMiddleware(RequestDelegate next, FaultInjector faults, IOptions<JsonOptions> json, ILogger<FaultInjectionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith(FaultsApi.Prefix, StringComparison.OrdinalIgnoreCase) || faults.Draw(context.Request.Method, path) is not { } fault)
        {
            await next(context);
            return;
        }

        logger.LogInformation("Injecting fault {Kind} into {Method} {Path}", fault.Kind, context.Request.Method, path);
        switch (fault.Kind)
        {
            case FaultKinds.Delay:
                await Task.Delay(fault.Delay, context.RequestAborted);
                await next(context);
                break;
            case FaultKinds.Abort:
                context.Abort();
                break;
            case FaultKinds.RateLimit:
                context.Response.Headers.RetryAfter = Math.Ceiling(fault.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["retry-after-ms"] = ((long)fault.RetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests,
                    new OpenAIError("Rate limit reached for requests (injected by the local provider's fault rules).", "requests", null, "rate_limit_exceeded"));
                break;
            default:
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError,
                    new OpenAIError(
                        "The server had an error while processing your request. Sorry about that! (injected by the local provider's fault rules)",
                        "server_error", null, null));
                break;
        }
    }

    private Task WriteErrorAsync(HttpContext context, int status, OpenAIError error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new OpenAIErrorBody(error), json.Value.SerializerOptions, context.RequestAborted);
    }
}
