namespace FineTune.Web.Api;

// Makes an Api client for a given token: at login (before there is a signed-in user) and in the hub
// (whose callers are not in a circuit). Pages get the scoped FineTuneApiClient of the signed-in user,
// which also sends their current workspace.
public sealed class FineTuneApiClientFactory(IHttpClientFactory httpClients)
{
    public FineTuneApiClient ForToken(string token) => Create(new FixedApiToken(token));

    // For the routes anyone may call: sign-in, registration, an invitation's preview.
    public FineTuneApiClient Anonymous() => Create(new FixedApiToken(null));

    public FineTuneApiClient Create(IApiTokenSource tokenSource, IWorkspaceSource? workspaceSource = null) =>
        new(httpClients.CreateClient(FineTuneApiClient.HttpClientName), tokenSource, workspaceSource);
}
