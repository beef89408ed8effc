using FineTune.Api.Accounts;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Backups;

public sealed class RestoreOptions
{
    public const string Section = "FineTune:Restore";

    // A backup directory (`finetune admin backup DIR`) to load at start into a server that has none of its own.
    public string? From { get; set; }
}

// Restores a backup before anything else at start (it runs first of the Api's start-up work), into a fresh
// Redis and data directory only: a server whose admin account exists has data, and a restore never
// overwrites data. Start the Worker after the Api has restored (the AppHost makes it wait for the Api).
public sealed partial class BackupRestore(ServerBackup backup, UserStore users, IOptions<RestoreOptions> options, ILogger<BackupRestore> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.From is not { Length: > 0 } directory) return;
        if (await users.GetAsync(AdminBootstrap.AdminId) is not null)
        {
            throw new InvalidOperationException(
                $"{RestoreOptions.Section}:From is set, but this server has data already; a backup is restored only into a fresh Redis. "
                + $"Remove the setting to start with the data as it is, or give an empty Redis and data directory to restore {directory}.");
        }
        var manifest = await backup.RestoreAsync(directory, cancellationToken);
        LogRestored(directory, manifest.CreatedAt, manifest.Keys, manifest.Blobs);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Restored the backup in {Directory} taken at {CreatedAt}: {Keys} Redis keys and {Blobs} blobs")]
    private partial void LogRestored(string directory, DateTimeOffset createdAt, int keys, int blobs);
}
