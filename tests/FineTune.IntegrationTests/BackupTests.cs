using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Cli;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// `finetune admin backup DIR` takes the whole server through the Api; an Api started with
// FineTune:Restore:From=DIR on an empty Redis and data directory is the same server again. Taken from
// Garnet and restored into Debian's redis-server, so the backup does not depend on the server it came from.
public sealed class BackupTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private const string AdminToken = FineTuneStack<GarnetRedisServer>.AdminToken;

    [Fact]
    public async Task A_backup_restored_into_a_fresh_server_has_every_dataset_byte_for_byte_and_every_job_with_its_history()
    {
        using var api = stack.CreateApiClient();
        var training = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");
        var split = await api.PostAsJsonAsync($"/api/datasets/{training.Id}/split", new { validationRatio = 0.25, seed = 7 });
        Assert.Equal(HttpStatusCode.Created, split.StatusCode);
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(training.Id, "gpt-4.1-mini",
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1))), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal(JobStatus.Succeeded, (await ApiCalls.WaitUntilTerminalAsync(api, job.Id, TimeSpan.FromMinutes(2), () => stack.Logs)).Status);

        var workDirectory = Directory.CreateTempSubdirectory("finetune-it-backup-").FullName;
        try
        {
            var backup = Path.Combine(workDirectory, "backup");
            var (exit, output, error) = await BackupAsync(backup, AdminToken);
            Assert.True(exit == AdminCommand.Done, error + stack.Logs);
            Assert.Contains($"to {backup}", output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(backup));

            await using var freshRedis = new DebianRedisServer();
            await using var restored = await ServiceProcess.StartAsync("FineTune.Api", new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = freshRedis.ConnectionString,
                ["FineTune__Provider__Endpoint"] = stack.ProviderEndpoint,
                ["FineTune__Bootstrap__AdminToken"] = AdminToken,
                ["FineTune__DataDirectory"] = Path.Combine(workDirectory, "data"),
                ["FineTune__Restore__From"] = backup,
            });
            using var restoredApi = new HttpClient { BaseAddress = restored.BaseAddress };
            restoredApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

            var datasets = await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options);
            Assert.Equal(4, datasets!.Count);
            Assert.Equal(await api.GetStringAsync("/api/datasets"), await restoredApi.GetStringAsync("/api/datasets"));
            foreach (var dataset in datasets)
            {
                Assert.Equal(await api.GetByteArrayAsync($"/api/datasets/{dataset.Id}/content"),
                    await restoredApi.GetByteArrayAsync($"/api/datasets/{dataset.Id}/content"));
            }

            var jobs = await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options);
            Assert.Equal(job.Id, Assert.Single(jobs!).Id);
            Assert.Equal(await api.GetStringAsync("/api/jobs"), await restoredApi.GetStringAsync("/api/jobs"));
            var history = await api.GetStringAsync($"/api/jobs/{job.Id}/events?limit=10000");
            Assert.NotEmpty(JsonDocument.Parse(history).RootElement.GetProperty("data").EnumerateArray());
            Assert.Equal(history, await restoredApi.GetStringAsync($"/api/jobs/{job.Id}/events?limit=10000"));

            // A restore never overwrites: once the server has data, the setting stops the start.
            await restored.KillAsync();
            var again = await Assert.ThrowsAsync<InvalidOperationException>(restored.StartAgainAsync);
            Assert.Contains("has data already", again.Message);
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Only_the_servers_owner_takes_a_backup_and_nothing_is_left_behind_when_refused()
    {
        var owner = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Owner");
        var workDirectory = Directory.CreateTempSubdirectory("finetune-it-backup-").FullName;
        try
        {
            var (exit, _, error) = await BackupAsync(Path.Combine(workDirectory, "backup"), owner.Token);

            Assert.Equal(AdminCommand.Failed, exit);
            Assert.Contains("only the server's owner", error);
            Assert.Empty(Directory.EnumerateFileSystemEntries(workDirectory));
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    private async Task<(int Exit, string Output, string Error)> BackupAsync(string directory, string token)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await FineTuneCommand.RunAsync(["admin", "backup", directory, "--api", stack.Api.BaseAddress.ToString()], output, error,
            environment: name => name == AdminCommand.TokenVariable ? token : null);
        return (exit, output.ToString(), error.ToString());
    }
}
