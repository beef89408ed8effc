using System.Text.Json;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Faults;

// Changes the fault rules of a running provider, for tests that need faults only for a while.
// Not behind the bearer key: it is a test hook of a local server, like the health endpoints.
public static class FaultsApi
{
    public const string Prefix = "/admin/faults";

    public static IEndpointRouteBuilder MapFaultsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix).WithTags("Fault injection");
        api.MapGet("", GetFaults).WithName("GetFaults").WithSummary("The fault rules in force, with how often each matched and fired");
        api.MapPost("", SetFaults).WithName("SetFaults").WithSummary("Replace the fault rules: { seed, rules: [{ path, method, kind, rate, times, retry_after, delay }] }");
        api.MapDelete("", ClearFaults).WithName("ClearFaults").WithSummary("Remove every fault rule");
        return app;
    }

    public static Ok<FaultSettings> GetFaults(FaultInjector faults) => TypedResults.Ok(faults.Current());

    public static async Task<Results<Ok<FaultSettings>, JsonHttpResult<OpenAIErrorBody>>> SetFaults(
        HttpRequest request, FaultInjector faults, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        FaultOptions? options;
        try
        {
            options = await JsonSerializer.DeserializeAsync<FaultOptions>(request.Body, json.Value.SerializerOptions, cancellationToken);
        }
        catch (JsonException exception)
        {
            return OpenAIErrors.BadRequest($"The body must be {{ \"seed\": 1, \"rules\": [...] }}: {exception.Message}");
        }
        if (options is null) return OpenAIErrors.BadRequest("The body must be a JSON object.");
        for (var index = 0; index < options.Rules.Count; index++)
        {
            if (options.Rules[index].Problem() is { } problem)
                return OpenAIErrors.BadRequest($"rules[{index}]: {problem}", $"rules[{index}]", "invalid_value");
        }
        faults.Replace(options);
        return TypedResults.Ok(faults.Current());
    }

    public static Ok<FaultSettings> ClearFaults(FaultInjector faults)
    {
        faults.Replace(new FaultOptions());
        return TypedResults.Ok(faults.Current());
    }
}
