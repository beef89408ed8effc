using System.Net.Http.Json;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Records stored by older versions lack indexes every save writes now. When the Api starts, its
// StoreMigrations enters them: their workspace lists them again, the Worker's import knows their
// provider jobs (so it never imports them a second time), its model countdown knows every workspace, and the job list's
// status filter and the audit log's filters find old records.
public sealed class StoreMigrationTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    [Fact]
    public async Task Records_stored_without_their_indexes_are_entered_in_them_when_the_api_starts()
    {
        using var api = stack.CreateApiClient();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var db = redis.GetDatabase();

        // A dataset and a finished job as an older version left them: the record and the list of all
        // records of its kind, nothing else.
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        await db.SortedSetRemoveAsync(RedisKeys.WorkspaceDatasets(Workspace.DefaultId), dataset.Id);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var job = new FineTuneJob
        {
            Id = $"job_old{suffix}",
            Status = JobStatus.Succeeded,
            Model = "gpt-4.1-mini",
            ProviderJobId = $"ftjob-old{suffix}",
            TrainingDatasetId = dataset.Id,
            Method = new JobMethod("supervised", null),
            CreatedBy = "admin",
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
        };
        await db.StringSetAsync(RedisKeys.Job(job.Id), FineTuneJson.Serialize(job));
        await db.SortedSetAddAsync(RedisKeys.AllJobs, job.Id, job.CreatedAt.ToUnixTimeMilliseconds());
        Assert.DoesNotContain(await ListAsync<DatasetRecord>(api, "/api/datasets"), d => d.Id == dataset.Id);
        Assert.DoesNotContain(await ListAsync<FineTuneJob>(api, "/api/jobs"), j => j.Id == job.Id);
        Assert.True((await db.HashGetAsync(JobStore.ProviderJobIndex, job.ProviderJobId)).IsNull);
        // A workspace from before the index of all workspaces, which the Worker's model countdown goes through.
        var workspace = new Workspace($"ws_old{suffix}", "Old", "admin", DateTimeOffset.UtcNow.AddDays(-30));
        await db.StringSetAsync(RedisKeys.Workspace(workspace.Id), FineTuneJson.Serialize(workspace));
        Assert.False(await db.SetContainsAsync(RedisKeys.AllWorkspaces, workspace.Id));

        // The dataset's upload as the audit log held it before each target and each action had its own log.
        await db.KeyDeleteAsync([RedisKeys.WorkspaceAuditBy(Workspace.DefaultId, "target", dataset.Id),
            RedisKeys.WorkspaceAuditBy(Workspace.DefaultId, "action", AuditAction.DatasetCreated), RedisKeys.WorkspaceAuditIndexed(Workspace.DefaultId),
            RedisKeys.JobsStatusIndexed]);
        Assert.Empty((await api.GetFromJsonAsync<AuditPage>($"/api/audit?targetId={dataset.Id}", FineTuneJson.Options))!.Entries);
        Assert.Empty((await api.GetFromJsonAsync<AuditPage>($"/api/audit?action={AuditAction.DatasetCreated}", FineTuneJson.Options))!.Entries);

        await stack.Api.KillAsync();
        await stack.Api.StartAgainAsync();

        Assert.Contains(await ListAsync<DatasetRecord>(api, "/api/datasets"), d => d.Id == dataset.Id);
        Assert.Contains(await ListAsync<FineTuneJob>(api, "/api/jobs"), j => j.Id == job.Id);
        Assert.Contains(await ListAsync<FineTuneJob>(api, "/api/jobs?status=succeeded"), j => j.Id == job.Id);
        Assert.Equal(job.Id, (await db.HashGetAsync(JobStore.ProviderJobIndex, job.ProviderJobId)).ToString());
        Assert.True(await db.SetContainsAsync(RedisKeys.AllWorkspaces, workspace.Id));
        var upload = Assert.Single((await api.GetFromJsonAsync<AuditPage>($"/api/audit?targetId={dataset.Id}", FineTuneJson.Options))!.Entries);
        Assert.Equal(AuditAction.DatasetCreated, upload.Action);
        Assert.Contains((await api.GetFromJsonAsync<AuditPage>($"/api/audit?action={AuditAction.DatasetCreated}&limit=500", FineTuneJson.Options))!.Entries,
            entry => entry.TargetId == dataset.Id);
    }

    private static async Task<List<T>> ListAsync<T>(HttpClient api, string path) =>
        (await api.GetFromJsonAsync<List<T>>(path, FineTuneJson.Options))!;
}
