
namespace FineTune.Web.Connections;

// A kind of provider as the page names it, with the endpoint it usually has.
public sealed record ConnectionKind(string Id, string Label, string ExampleEndpoint)
{
    public static readonly IReadOnlyList<ConnectionKind> All =
    [
        new(ProviderConnectionKind.OpenAI, "OpenAI", "https://api.openai.com/v1"),
        new(ProviderConnectionKind.AzureOpenAI, "Azure OpenAI", "https://NAME.openai.azure.com/openai/v1"),
        new(ProviderConnectionKind.Local, "LocalProvider", "http://localhost:5082/v1"),
        new(ProviderConnectionKind.OpenAICompatible, "Other OpenAI-compatible", "https://HOST/v1"),
    ];

    public static string LabelOf(string kind) => All.FirstOrDefault(k => k.Id == kind)?.Label ?? kind;
}

// What the add/edit dialog edits. The key is write-only: editing starts with it empty, and empty then
// means "keep the stored key" unless RemoveKey is ticked.
public sealed class ConnectionForm
{
    public string Name { get; set; } = "";

    public string Kind { get; set; } = ProviderConnectionKind.OpenAI;

    public string Endpoint { get; set; } = ConnectionKind.All[0].ExampleEndpoint;

    public string? ApiKey { get; set; }

    public bool RemoveKey { get; set; }

    public string? Organization { get; set; }

    public string? Project { get; set; }

    public static ConnectionForm From(ProviderConnection connection) => new()
    {
        Name = connection.Name,
        Kind = connection.Kind,
        Endpoint = connection.Endpoint,
        Organization = connection.Organization,
        Project = connection.Project,
    };

    // A new kind brings its usual endpoint, unless one of another kind's was changed by hand.
    public void ChangeKind(string kind)
    {
        if (ConnectionKind.All.Any(k => k.ExampleEndpoint == Endpoint) || string.IsNullOrWhiteSpace(Endpoint))
        {
            Endpoint = ConnectionKind.All.First(k => k.Id == kind).ExampleEndpoint;
        }
        Kind = kind;
    }

    // An empty key: none for a new connection, the stored one kept for an edited one.
    public ProviderConnectionRequest ToRequest() => new(
        Name: Name,
        Kind: Kind,
        Endpoint: Endpoint,
        ApiKey: RemoveKey ? "" : string.IsNullOrEmpty(ApiKey) ? null : ApiKey,
        Organization: Organization,
        Project: Project);
}
