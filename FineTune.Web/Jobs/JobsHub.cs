using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Web.Jobs;

// Live job updates. Connecting needs no login; joining a job's group does: the caller's token must let
// them read the job from the Api, which is the one place that decides access.
public sealed class JobsHub(FineTuneApiClientFactory apis, LocalJobConnections local, ILogger<JobsHub> logger) : Hub
{
    public async Task JoinJob(string jobId)
    {
        var token = CallerToken()
            ?? throw new HubException("No Api token: connect with your token as access_token (or from a signed-in browser).");
        try
        {
            await apis.ForToken(token).GetJobAsync(jobId, Context.ConnectionAborted);
        }
        catch (FineTuneApiException ex) when (ex.IsUnauthorized)
        {
            throw new HubException("The Api did not accept your token.");
        }
        catch (FineTuneApiException ex) when (ex.IsNotFound)
        {
            throw new HubException($"Job {jobId} was not found.");
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning(ex, "Could not check access to job {JobId}", jobId);
            throw new HubException("The Api could not be reached to check your access; try again.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, JobsHubContract.JobGroup(jobId), Context.ConnectionAborted);
        local.Add(jobId, Context.ConnectionId);
    }

    public async Task LeaveJob(string jobId)
    {
        local.Remove(jobId, Context.ConnectionId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, JobsHubContract.JobGroup(jobId), Context.ConnectionAborted);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        local.RemoveConnection(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    // A browser signed in with the cookie carries the token in its claims; other clients (the job page's
    // own HubConnection, scripts) pass it as SignalR does: access_token in the query, or a bearer header.
    private string? CallerToken()
    {
        var fromCookie = Context.User?.FindApiToken();
        if (!string.IsNullOrEmpty(fromCookie))
        {
            return fromCookie;
        }
        var request = Context.GetHttpContext()?.Request;
        if (request is null)
        {
            return null;
        }
        var fromQuery = request.Query["access_token"].ToString();
        if (!string.IsNullOrEmpty(fromQuery))
        {
            return fromQuery;
        }
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}

// Which connections of this Web replica joined which job. The JobEventRelay sends each update to these
// only: every replica receives every update from Redis itself, so sending through the SignalR backplane
// (a group send) would deliver each update once per replica to every client.
public sealed class LocalJobConnections
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _byJob = [];
    private readonly Dictionary<string, HashSet<string>> _byConnection = [];

    public void Add(string jobId, string connectionId)
    {
        lock (_gate)
        {
            Members(_byJob, jobId).Add(connectionId);
            Members(_byConnection, connectionId).Add(jobId);
        }
    }

    public void Remove(string jobId, string connectionId)
    {
        lock (_gate)
        {
            Drop(_byJob, jobId, connectionId);
            Drop(_byConnection, connectionId, jobId);
        }
    }

    public void RemoveConnection(string connectionId)
    {
        lock (_gate)
        {
            if (!_byConnection.Remove(connectionId, out var jobIds)) return;
            foreach (var jobId in jobIds) Drop(_byJob, jobId, connectionId);
        }
    }

    public IReadOnlyList<string> Of(string jobId)
    {
        lock (_gate) return _byJob.TryGetValue(jobId, out var members) ? [.. members] : [];
    }

    // Every job joined here, with the connections that joined it.
    public IReadOnlyList<(string JobId, IReadOnlyList<string> Connections)> All()
    {
        lock (_gate) return _byJob.Select(pair => (pair.Key, (IReadOnlyList<string>)[.. pair.Value])).ToList();
    }

    private static HashSet<string> Members(Dictionary<string, HashSet<string>> map, string key) =>
        map.TryGetValue(key, out var set) ? set : map[key] = [];

    private static void Drop(Dictionary<string, HashSet<string>> map, string key, string member)
    {
        if (map.TryGetValue(key, out var set) && set.Remove(member) && set.Count == 0) map.Remove(key);
    }
}
