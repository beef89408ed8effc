namespace FineTune.Web.Api;

// Where a FineTuneApiClient gets the workspace its calls work in, sent as the FineTune-Workspace header.
// Collection routes (lists, uploads, new jobs) use it; routes about one thing by id find its workspace
// themselves, so the hub's clients, which check one job, need none.
public interface IWorkspaceSource
{
    ValueTask<string> GetWorkspaceIdAsync(CancellationToken cancellationToken);
}
