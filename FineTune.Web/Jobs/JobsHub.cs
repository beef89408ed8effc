using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Web.Jobs;

// Live job and eval run updates. Connecting needs no login; joining a job's or a run's group does: the caller's token
// must let them read it from the Api, which is the one place that decides access.
public sealed class JobsHub(FineTuneApiClientFactory apis, LocalJoins local, ILogger<JobsHub> logger) : Hub
{
    [HubMethodName(JobsHubContract.JoinJob)]
    public Task JoinJob(string jobId) =>
        JoinAsync(jobId, JobsHubContract.JobGroup(jobId), $"Job {jobId}", (api, cancellationToken) => api.GetJobAsync(jobId, cancellationToken));

    [HubMethodName(JobsHubContract.LeaveJob)]
    public Task LeaveJob(string jobId) => LeaveAsync(jobId, JobsHubContract.JobGroup(jobId));

    // A run is read through its eval, so the eval's workspace decides.
    [HubMethodName(JobsHubContract.JoinEvalRun)]
    public Task JoinEvalRun(string evalId, string runId) =>
        JoinAsync(runId, JobsHubContract.EvalRunGroup(runId), $"Eval run {runId}", (api, cancellationToken) => api.GetEvalRunAsync(evalId, runId, cancellationToken));

    [HubMethodName(JobsHubContract.LeaveEvalRun)]
    public Task LeaveEvalRun(string runId) => LeaveAsync(runId, JobsHubContract.EvalRunGroup(runId));

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        local.RemoveConnection(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private async Task JoinAsync(string id, string group, string what, Func<FineTuneApiClient, CancellationToken, Task> read)
    {
        var token = CallerToken()
            ?? throw new HubException("No Api token: connect with your token as access_token (or from a signed-in browser).");
        try
        {
            await read(apis.ForToken(token), Context.ConnectionAborted);
        }
        catch (FineTuneApiException ex) when (ex.IsUnauthorized)
        {
            throw new HubException("The Api did not accept your token.");
        }
        catch (FineTuneApiException ex) when (ex.IsNotFound)
        {
            throw new HubException($"{what} was not found.");
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning(ex, "Could not check access to {Id}", id);
            throw new HubException("The Api could not be reached to check your access; try again.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        local.Add(id, Context.ConnectionId);
    }

    private async Task LeaveAsync(string id, string group)
    {
        local.Remove(id, Context.ConnectionId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
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

// Which connections of this Web replica joined which job or eval run, by its id (the two kinds' ids never meet).
// The LiveUpdateRelay sends each update to these only: every replica receives every update from Redis itself,
// so sending through the SignalR backplane (a group send) would deliver each update once per replica to every client.
public sealed class LocalJoins
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _byId = [];
    private readonly Dictionary<string, HashSet<string>> _byConnection = [];

    public void Add(string id, string connectionId)
    {
        lock (_gate)
        {
            Members(_byId, id).Add(connectionId);
            Members(_byConnection, connectionId).Add(id);
        }
    }

    public void Remove(string id, string connectionId)
    {
        lock (_gate)
        {
            Drop(_byId, id, connectionId);
            Drop(_byConnection, connectionId, id);
        }
    }

    public void RemoveConnection(string connectionId)
    {
        lock (_gate)
        {
            if (!_byConnection.Remove(connectionId, out var ids)) return;
            foreach (var id in ids) Drop(_byId, id, connectionId);
        }
    }

    public IReadOnlyList<string> Of(string id)
    {
        lock (_gate) return _byId.TryGetValue(id, out var members) ? [.. members] : [];
    }

    // Every job and run joined here, with the connections that joined it.
    public IReadOnlyList<(string Id, IReadOnlyList<string> Connections)> All()
    {
        lock (_gate) return _byId.Select(pair => (pair.Key, (IReadOnlyList<string>)[.. pair.Value])).ToList();
    }

    private static HashSet<string> Members(Dictionary<string, HashSet<string>> map, string key) =>
        map.TryGetValue(key, out var set) ? set : map[key] = [];

    private static void Drop(Dictionary<string, HashSet<string>> map, string key, string member)
    {
        if (map.TryGetValue(key, out var set) && set.Remove(member) && set.Count == 0) map.Remove(key);
    }
}
