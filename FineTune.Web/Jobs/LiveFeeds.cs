using FineTune.Web.Account;
using FineTune.Web.Api;
using FineTune.Web.Evals;
using Microsoft.AspNetCore.Components;

namespace FineTune.Web.Jobs;

// Each job or eval run page owns its feed (and disposes it), so a feed never outlives the page or serves two of them.
public sealed class LiveFeeds(
    FineTuneApiClient api,
    SignedInUserToken token,
    NavigationManager navigation,
    ILoggerFactory loggers)
{
    public JobLiveFeed Job() => new(api, token, HubUrl, loggers.CreateLogger<JobLiveFeed>());

    public EvalRunLiveFeed EvalRun() => new(api, token, HubUrl, loggers.CreateLogger<EvalRunLiveFeed>());

    private Uri HubUrl => navigation.ToAbsoluteUri(JobsHubContract.Path);
}
