namespace FineTune.Web.Api;

// Where a FineTuneApiClient gets the bearer token for each call.
public interface IApiTokenSource
{
    ValueTask<string?> GetTokenAsync();
}

// Null for anonymous calls: sign-in, registration, an invitation's preview.
public sealed record FixedApiToken(string? Token) : IApiTokenSource
{
    public ValueTask<string?> GetTokenAsync() => ValueTask.FromResult(Token);
}
