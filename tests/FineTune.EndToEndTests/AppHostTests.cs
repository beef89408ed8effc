using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace FineTune.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed class AppHostTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Upload_job_and_success_through_the_api_of_the_running_apphost()
    {
        using var api = fixture.CreateApiClient();
        var redisConnectionString = await fixture.App.GetConnectionStringAsync("redis");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnectionString!);
        var updates = Channel.CreateUnbounded<JobUpdate>();
        (await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates)))
            .OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));

        using var content = new StreamContent(File.OpenRead(AppHostFixture.Sample("capitals-train.jsonl")));
        var upload = await api.PostAsync("/api/datasets?name=capitals-train.jsonl", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var dataset = (await upload.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.Equal(DatasetRecord.StatusValid, dataset.Status);

        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "e2e"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var last = job;
        await foreach (var update in updates.Reader.ReadAllAsync(deadline.Token))
        {
            if (update.Job.Id != job.Id) continue;
            last = update.Job;
            if (JobStatus.IsTerminal(last.Status)) break;
        }

        Assert.Equal(JobStatus.Succeeded, last.Status);
        var stored = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        Assert.StartsWith("ft:gpt-4.1-mini:", stored.FineTunedModel);
        var events = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{job.Id}/events", FineTuneJson.Options))!;
        Assert.Contains(events.Data, e => e.Type == "metrics");
    }

    [Fact]
    public void The_admin_token_and_the_single_sign_on_secret_are_secret_parameters_the_dashboard_masks()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameters = model.Resources.OfType<ParameterResource>().ToDictionary(parameter => parameter.Name);

        Assert.True(parameters["admin-token"].Secret);
        Assert.True(parameters["oidc-client-secret"].Secret);
    }

    [Fact]
    public void A_generated_admin_token_is_kept_readable_by_its_owner_only_and_stays_the_same()
    {
        var directory = Directory.CreateTempSubdirectory("finetune-admin-token-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().Build();
            var token = FineTune.AppHost.AdminToken.FromConfigurationOrDataDirectory(configuration, directory);

            Assert.StartsWith("ft-admin-", token);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "admin-token")));
            Assert.Equal(token, FineTune.AppHost.AdminToken.FromConfigurationOrDataDirectory(configuration, directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
