namespace FineTune.Web.Api;

// Where a FineTuneApiClient gets the bearer token for each call.
public interface IApiTokenSource
{
    ValueTask<string?> GetTokenAsync();
}

public sealed record FixedApiToken(string Token) : IApiTokenSource
{
    public ValueTask<string?> GetTokenAsync() => ValueTask.FromResult<string?>(Token);
}
