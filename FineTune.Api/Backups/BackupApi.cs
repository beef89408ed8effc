using FineTune.Api.Accounts;

namespace FineTune.Api.Backups;

public static class BackupApi
{
    public static IEndpointRouteBuilder MapBackupApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(ServerOwner.Policy);
        api.MapGet("/backup", GetBackup).WithName("GetBackup")
            .WithSummary("The whole server as a tar archive: a consistent snapshot of its Redis keys, and its dataset files (the server's owner)");
        return app;
    }

    // The snapshot is taken before the answer starts, so a failure is still an error status rather than a cut archive.
    public static async Task<PushStreamHttpResult> GetBackup(ServerBackup backup, TimeProvider time, CancellationToken cancellationToken)
    {
        var snapshot = await backup.SnapshotAsync();
        return TypedResults.Stream(output => backup.WriteAsync(snapshot, output, cancellationToken), "application/x-tar",
            $"finetune-backup-{time.GetUtcNow():yyyyMMdd-HHmmss}.tar");
    }
}
