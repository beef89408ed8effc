using FineTune.Api.Audit;
using FineTune.Api.Datasets;

namespace FineTune.Api.Migrations;

// Brings records stored by older versions of FineTune up to what this version reads, once at every
// start, before the Api serves requests: each step enters old records in an index that did not exist
// when they were saved (every save since writes it), and is safe to run again. A step that fails
// stops the start, as a store this version cannot read would.
public sealed partial class StoreMigrations(DatasetStore datasets, JobStore jobs, WorkspaceStore workspaces, AuditLog audit,
    ILogger<StoreMigrations> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Datasets and jobs stored before workspaces existed belong to the default workspace: its lists show them.
        LogStep("datasets into their workspace's list", await datasets.BackfillWorkspaceIndexAsync());
        LogStep("jobs into their workspace's list", await jobs.BackfillWorkspaceIndexAsync());
        LogStep("jobs into their status's list", await jobs.BackfillStatusIndexAsync());
        // Jobs stored before the provider job index existed: so the Worker's import knows them. The Worker
        // also runs this step before its first import, as it must not import them again if it starts first.
        LogStep("jobs into the provider job index", await jobs.BackfillProviderJobIndexAsync());
        // Workspaces made before the index of all workspaces: so the Worker's model countdown goes through them.
        LogStep("workspaces into the index of all workspaces", await workspaces.BackfillIndexAsync());
        // Audit entries written before each target, actor and kind of action had its own log: so filters find them.
        LogStep("audit entries into their target's, actor's and action's logs", await audit.BackfillNarrowLogsAsync(await workspaces.ListIdsAsync()));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void LogStep(string step, int added)
    {
        if (added > 0) LogEntered(added, step);
    }

    [LoggerMessage(LogLevel.Information, "Store migration: entered {Count} records stored by an older version, {Step}")]
    private partial void LogEntered(int count, string step);
}
