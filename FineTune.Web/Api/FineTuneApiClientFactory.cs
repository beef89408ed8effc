namespace FineTune.Web.Api;

// Makes an Api client for a given token: at login (before there is a signed-in user) and in the hub
// (whose callers are not in a circuit). Pages get the scoped FineTuneApiClient of the signed-in user.
public sealed class FineTuneApiClientFactory(IHttpClientFactory httpClients)
{
    public FineTuneApiClient ForToken(string token) => Create(new FixedApiToken(token));

    public FineTuneApiClient Create(IApiTokenSource tokenSource) =>
        new(httpClients.CreateClient(FineTuneApiClient.HttpClientName), tokenSource);
}
