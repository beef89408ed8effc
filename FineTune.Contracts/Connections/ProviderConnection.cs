namespace FineTune.Contracts;

// Where a workspace fine-tunes: an OpenAI-compatible endpoint and how to sign in to it. The key itself
// is never part of this record (it is kept encrypted beside it, see ConnectionStore): the record is what
// the Api returns and what may be logged.
public sealed record ProviderConnection
{
    public required string Id { get; init; }
    public required string WorkspaceId { get; init; }
    public required string Name { get; init; }

    // One of ProviderConnectionKind.All.
    public required string Kind { get; init; }

    // Includes the /v1 segment: https://api.openai.com/v1, https://NAME.openai.azure.com/openai/v1
    public required string Endpoint { get; init; }
    public string? Organization { get; init; }
    public string? Project { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    // Also the version of the connection: a cached client made before it is made again.
    public required DateTimeOffset UpdatedAt { get; init; }
    public bool HasKey { get; init; }

    // The server's own connection (FineTune:Provider): in every workspace, configured, not editable.
    public bool BuiltIn { get; init; }

    public const string ServerId = "server";
    public const string ServerName = "Server default";

    // A request without a connection id uses the server's connection too.
    public static bool IsServer(string? connectionId) => connectionId is null or ServerId;
}

public static class ProviderConnectionKind
{
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    public const string Local = "local";
    public const string OpenAICompatible = "openai-compatible";

    public static readonly IReadOnlyList<string> All = [OpenAI, AzureOpenAI, Local, OpenAICompatible];

    // What the configured server connection most likely is, for showing it beside the others.
    public static string Guess(Uri endpoint) => endpoint switch
    {
        { Host: "api.openai.com" } => OpenAI,
        _ when endpoint.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase) => AzureOpenAI,
        { IsLoopback: true } => Local,
        _ => OpenAICompatible,
    };
}

// The body of POST /api/connections and PUT /api/connections/{id}. On PUT, a null ApiKey keeps the
// stored key and "" removes it.
public sealed record ProviderConnectionRequest(
    string Name,
    string Kind,
    string Endpoint,
    string? ApiKey = null,
    string? Organization = null,
    string? Project = null);

// What "Test connection" found: whether the provider listed its models, and how long it took.
// Message never contains the key.
public sealed record ConnectionTestResult(bool Ok, string Message, int? ModelCount, long ElapsedMs);
