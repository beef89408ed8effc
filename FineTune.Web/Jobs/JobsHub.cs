using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Web.Jobs;

// Live job updates. Connecting needs no login; joining a job's group does: the caller's token must let
// them read the job from the Api, which is the one place that decides access.
public sealed class JobsHub(FineTuneApiClientFactory apis, ILogger<JobsHub> logger) : Hub
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
    }

    public Task LeaveJob(string jobId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, JobsHubContract.JobGroup(jobId), Context.ConnectionAborted);

    // A browser signed in with the cookie carries the token in its claims; other clients (the job page's
    // own HubConnection, scripts) pass it as SignalR does: access_token in the query, or a bearer header.
    private string? CallerToken()
    {
        var fromCookie = Context.User?.FindFirst(FineTuneClaims.ApiToken)?.Value;
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
