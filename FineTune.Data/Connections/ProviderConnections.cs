using System.ClientModel;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace FineTune.Data;

// Makes the client for a connection. options is a fresh instance the factory may change (the Worker
// turns the SDK's retries off and adds the connection's request budget); http is what its requests go out
// on (GuardedHttpClient for a workspace's connection, null for the server's, see ProviderConnections).
public delegate FineTuningProvider ProviderClientFactory(string connectionId, ProviderOptions options, HttpClient? http);

// Resolves a connection id, within a workspace, to the FineTuningProvider that talks to it. The server's
// own connection (FineTune:Provider, id "server", also meant by no id at all) is in every workspace;
// the others are the workspace's own. Clients are made once per connection and version (UpdatedAt), so
// every job on a connection shares one client, and an edited connection gets a new one.
// A workspace's connection is an address a user gave, so its calls go through the GuardedHttpClient; the
// server's is the operator's own setting and is called directly.
public sealed class ProviderConnections
{
    // The SDK needs a credential; a provider that wants none (a LocalProvider) ignores it.
    private const string NoKey = "none";

    private readonly ConnectionStore _store;
    private readonly ConnectionKeyProtector _protector;
    private readonly ProviderClientFactory _createClient;
    private readonly GuardedHttpClient _guarded;
    private readonly ProviderOptions _server;
    private readonly DateTimeOffset _configuredAt;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Version, FineTuningProvider Client)> _clients = new();

    public ProviderConnections(
        ConnectionStore store, ConnectionKeyProtector protector, IOptions<ProviderOptions> server, TimeProvider time, ProviderClientFactory createClient,
        GuardedHttpClient guarded)
    {
        _store = store;
        _protector = protector;
        _createClient = createClient;
        _guarded = guarded;
        _server = server.Value;
        _configuredAt = time.GetUtcNow();
        Server = createClient(ProviderConnection.ServerId, ServerOptions(), http: null);
    }

    // The server connection's client: jobs without a connection, and the Worker's import.
    public FineTuningProvider Server { get; }

    public ProviderConnection ServerConnection(string workspaceId) => new()
    {
        Id = ProviderConnection.ServerId,
        WorkspaceId = workspaceId,
        Name = ProviderConnection.ServerName,
        Kind = ProviderConnectionKind.Guess(new Uri(_server.Endpoint)),
        Endpoint = _server.Endpoint,
        Organization = _server.Organization,
        Project = _server.Project,
        CreatedBy = ProviderConnection.ServerId,
        CreatedAt = _configuredAt,
        UpdatedAt = _configuredAt,
        HasKey = !string.IsNullOrEmpty(_server.ApiKey),
        BuiltIn = true,
    };

    // The workspace's connections, the server's first.
    public async Task<IReadOnlyList<ProviderConnection>> ListAsync(string workspaceId) =>
        [ServerConnection(workspaceId), .. await _store.ListAsync(workspaceId)];

    // The connection as the Api shows it, or null when the workspace has no such connection.
    public async Task<ProviderConnection?> FindAsync(string? connectionId, string workspaceId) =>
        ProviderConnection.IsServer(connectionId) ? ServerConnection(workspaceId) : await _store.GetInWorkspaceAsync(connectionId!, workspaceId);

    // The client for a connection of the workspace, or null when the workspace has no such connection.
    public async Task<FineTuningProvider?> ClientAsync(string? connectionId, string workspaceId)
    {
        if (ProviderConnection.IsServer(connectionId)) return Server;
        if (await _store.GetWithProtectedKeyAsync(connectionId!) is not { } stored || stored.Connection.WorkspaceId != workspaceId) return null;
        var (connection, protectedKey) = stored;
        if (_clients.TryGetValue(connection.Id, out var cached) && cached.Version == connection.UpdatedAt) return cached.Client;
        var client = _createClient(connection.Id, OptionsOf(connection, protectedKey), _guarded);
        _clients[connection.Id] = (connection.UpdatedAt, client);
        return client;
    }

    // Every provider call about a job goes to the connection the job was created on.
    public Task<FineTuningProvider?> ClientForJobAsync(FineTuneJob job) => ClientAsync(job.ConnectionId, job.WorkspaceId);

    // Asks the provider for its models, once, with no retry; null when the workspace has no such connection.
    public async Task<ConnectionTestResult?> TestAsync(string connectionId, string workspaceId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ProviderOptions options;
        HttpClient? http = null;
        if (ProviderConnection.IsServer(connectionId)) options = ServerOptions();
        else if (await _store.GetWithProtectedKeyAsync(connectionId) is { } stored && stored.Connection.WorkspaceId == workspaceId)
            (options, http) = (OptionsOf(stored.Connection, stored.ProtectedKey), _guarded);
        else return null;
        options.MaxRetries = 0;
        options.NetworkTimeout = timeout;

        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string failure;
        try
        {
            var models = await new FineTuningProvider(options, http).ListModelsAsync(deadline.Token);
            return new ConnectionTestResult(true, $"The provider listed {models.Count} models.", models.Count, Elapsed());
        }
        // Said the same whether anything listens there or not: the connection was never made.
        catch (Exception e) when (EgressRefusedException.Find(e) is not null)
        {
            failure = EgressPolicy.NotAllowed;
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            failure = $"The provider answered {e.Status}: {ProviderErrorMessage(e)}. Check the key, organization and project.";
        }
        catch (ClientResultException e)
        {
            failure = $"{options.Endpoint} could not be reached: {(e.InnerException ?? e).Message} Check the endpoint.";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"{options.Endpoint} did not answer within {timeout.TotalSeconds:0} s. Check the endpoint.";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            failure = $"{options.Endpoint} could not be reached: {e.Message} Check the endpoint.";
        }
        // A provider that echoes the key in its error must not get it shown.
        if (options.ApiKey.Length > 0 && options.ApiKey != NoKey) failure = failure.Replace(options.ApiKey, "[key]", StringComparison.Ordinal);
        return new ConnectionTestResult(false, failure, null, Elapsed());
    }

    private ProviderOptions ServerOptions() => new()
    {
        Endpoint = _server.Endpoint,
        ApiKey = _server.ApiKey,
        Organization = _server.Organization,
        Project = _server.Project,
        MaxRetries = _server.MaxRetries,
        NetworkTimeout = _server.NetworkTimeout,
    };

    private ProviderOptions OptionsOf(ProviderConnection connection, string? protectedKey) => new()
    {
        Endpoint = connection.Endpoint,
        ApiKey = protectedKey is null ? NoKey : _protector.Unprotect(protectedKey),
        Organization = connection.Organization,
        Project = connection.Project,
    };

    // OpenAI-shaped error bodies carry { error: { message } }; anything else is summarised by its status.
    private static string ProviderErrorMessage(ClientResultException e)
    {
        var response = e.GetRawResponse();
        try
        {
            using var json = JsonDocument.Parse(response?.Content ?? BinaryData.Empty);
            if (json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                return message.GetString()!.TrimEnd('.');
        }
        catch (JsonException)
        {
        }
        return response?.ReasonPhrase is { Length: > 0 } reason ? reason : "an error";
    }
}
