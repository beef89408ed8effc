using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// The audit log, monthly budgets with an owner's approval, notifications and the workspace webhook,
// through the Api, Worker and LocalProvider as real processes, with people who sign up, sign in and
// join by invitation as they would in the console.
public sealed class GovernanceTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task The_audit_log_says_who_created_paused_resumed_cancelled_and_deleted_what_and_when_and_filters()
    {
        var (owner, member, viewer, outsider) = await TestAccounts.TeamAsync(Api);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        var started = DateTimeOffset.UtcNow;

        var dataset = await ApiCalls.UploadSampleAsync(memberClient);
        // Enough epochs that the job is still running when it is paused.
        var job = await CreateJobAsync(memberClient, dataset.Id, epochs: 40);
        Assert.Equal(HttpStatusCode.Created, job.Status);
        await UntilAsync(() => GetJobAsync(memberClient, job.Job.Id), j => j.Status == JobStatus.Running, "the job to run");
        Assert.Equal(HttpStatusCode.OK, (await memberClient.PostAsync($"/api/jobs/{job.Job.Id}/pause", null)).StatusCode);
        await UntilAsync(() => GetJobAsync(memberClient, job.Job.Id), j => j.Status == JobStatus.Paused, "the job to pause");
        Assert.Equal(HttpStatusCode.OK, (await memberClient.PostAsync($"/api/jobs/{job.Job.Id}/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await memberClient.PostAsync($"/api/jobs/{job.Job.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await memberClient.DeleteAsync($"/api/datasets/{dataset.Id}")).StatusCode);
        var finished = DateTimeOffset.UtcNow;

        // A viewer reads it all, newest first, each entry with who, what, which and when.
        using var viewerClient = viewer.Client(Api, owner.WorkspaceId);
        var log = await AuditAsync(viewerClient, $"actorId={member.Id}");
        Assert.Equal(
            [AuditAction.DatasetDeleted, AuditAction.JobCancelled, AuditAction.JobResumed, AuditAction.JobPaused, AuditAction.JobCreated,
                AuditAction.DatasetCreated, AuditAction.MemberJoined],
            log.Entries.Select(e => e.Action));
        Assert.Null(log.NextBefore);
        Assert.All(log.Entries, e =>
        {
            Assert.Equal(member.Id, e.ActorId);
            Assert.Equal("Member", e.ActorName);
            Assert.Equal(owner.WorkspaceId, e.WorkspaceId);
        });
        Assert.All(log.Entries.Take(6), e => Assert.InRange(e.At, started.AddSeconds(-1), finished.AddSeconds(1)));
        Assert.Equal(
            [dataset.Id, job.Job.Id, job.Job.Id, job.Job.Id, job.Job.Id, dataset.Id],
            log.Entries.Take(6).Select(e => e.TargetId));
        Assert.Equal("capitals-train.jsonl", log.Entries[0].TargetName);

        // Filters: an action prefix, one target, a time range, and pages that neither overlap nor skip.
        Assert.Equal(
            [AuditAction.JobCancelled, AuditAction.JobResumed, AuditAction.JobPaused, AuditAction.JobCreated],
            (await AuditAsync(viewerClient, "action=job.")).Entries.Select(e => e.Action));
        Assert.Equal([AuditAction.JobPaused], (await AuditAsync(viewerClient, "action=job.paused")).Entries.Select(e => e.Action));
        Assert.Equal(
            [AuditAction.DatasetDeleted, AuditAction.DatasetCreated],
            (await AuditAsync(viewerClient, $"targetId={dataset.Id}")).Entries.Select(e => e.Action));
        Assert.Empty((await AuditAsync(viewerClient, $"from={Uri.EscapeDataString(finished.AddSeconds(1).ToString("O"))}")).Entries);
        Assert.DoesNotContain(
            (await AuditAsync(viewerClient, $"to={Uri.EscapeDataString(started.AddSeconds(-1).ToString("O"))}")).Entries,
            e => e.Action == AuditAction.JobCreated);

        var all = await AuditAsync(viewerClient, "limit=500");
        var paged = new List<AuditEntry>();
        string? before = null;
        do
        {
            var page = await AuditAsync(viewerClient, "limit=3" + (before is null ? "" : $"&before={Uri.EscapeDataString(before)}"));
            Assert.True(page.Entries.Count <= 3);
            paged.AddRange(page.Entries);
            before = page.NextBefore;
        } while (before is not null);
        Assert.Equal(all.Entries.Select(e => e.Id), paged.Select(e => e.Id));

        // Someone from another workspace learns nothing, not even that it has a log.
        using var outsiderClient = outsider.Client(Api, owner.WorkspaceId);
        var refused = await outsiderClient.GetAsync("/api/audit");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_job_over_the_token_budget_waits_with_nothing_on_the_provider_until_an_owner_approves_it_and_then_runs()
    {
        var (owner, member, viewer, _) = await TestAccounts.TeamAsync(Api);
        using var ownerClient = owner.Client(Api, owner.WorkspaceId);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        using var viewerClient = viewer.Client(Api, owner.WorkspaceId);
        await SetBudgetAsync(ownerClient, owner.WorkspaceId, tokens: 100);

        var dataset = await ApiCalls.UploadSampleAsync(memberClient);
        var tag = Guid.NewGuid().ToString("N");
        var (status, pending) = await CreateJobAsync(memberClient, dataset.Id, metadata: new Dictionary<string, string> { ["test"] = tag });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(JobStatus.PendingApproval, pending.Status);
        Assert.Null(pending.ProviderJobId);
        Assert.NotNull(pending.Approval);
        Assert.Contains("budget of 100 training tokens", pending.Approval.Reason);
        Assert.Equal(member.Id, pending.Approval.RequestedBy);
        Assert.True(pending.Approval.EstimatedTrainedTokens > 100);
        Assert.Null(pending.Approval.Decision);

        // Nothing reached the provider, and no worker polls it.
        Assert.DoesNotContain((await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data,
            j => j.Details.Metadata?.GetValueOrDefault("test") == tag);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString))
        {
            Assert.False(await redis.GetDatabase().SetContainsAsync(RedisKeys.ActiveJobs, pending.Id));
        }

        // The owner was told; the member who launched it was not.
        var ownerNotification = Assert.Single((await NotificationsAsync(ownerClient)).Items, n => n.JobId == pending.Id);
        Assert.Equal(NotificationKind.JobPendingApproval, ownerNotification.Kind);
        Assert.Contains("Member", ownerNotification.Message);
        Assert.DoesNotContain((await NotificationsAsync(memberClient)).Items, n => n.JobId == pending.Id);

        // Only an owner decides.
        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.PostAsync($"/api/jobs/{pending.Id}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync($"/api/jobs/{pending.Id}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.PostAsync($"/api/jobs/{pending.Id}/deny", null)).StatusCode);

        var approved = await ownerClient.PostAsync($"/api/jobs/{pending.Id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var launched = (await approved.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal(JobStatus.Uploading, launched.Status);
        Assert.Equal(JobApproval.Approved, launched.Approval!.Decision);
        Assert.Equal(owner.Id, launched.Approval.DecidedBy);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PostAsync($"/api/jobs/{pending.Id}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PostAsync($"/api/jobs/{pending.Id}/deny", null)).StatusCode);

        var done = await UntilAsync(() => GetJobAsync(memberClient, pending.Id), j => JobStatus.IsTerminal(j.Status), "the approved job to finish");
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(tag, (await stack.CreateProvider().GetJobAsync(done.ProviderJobId!, CancellationToken.None)).Details.Metadata?["test"]);

        // It counts against the month from its launch; the member hears that it was approved.
        var settings = (await ownerClient.GetFromJsonAsync<WorkspaceSettings>($"/api/workspaces/{owner.WorkspaceId}/settings", FineTuneJson.Options))!;
        Assert.Equal(pending.Approval.EstimatedTrainedTokens, settings.Usage.TrainedTokens);
        Assert.Equal(DateTimeOffset.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture), settings.Usage.Month);
        Assert.Contains((await NotificationsAsync(memberClient)).Items, n => n.JobId == pending.Id && n.Kind == NotificationKind.JobApproved);
        Assert.Equal(
            [(AuditAction.JobApproved, owner.Id), (AuditAction.JobPendingApproval, member.Id)],
            (await AuditAsync(viewerClient, $"targetId={pending.Id}")).Entries.Select(e => (e.Action, e.ActorId)));
    }

    [Fact]
    public async Task A_denied_job_never_starts_and_its_creator_hears_why_and_an_owner_over_budget_waits_too()
    {
        var (owner, member, _, _) = await TestAccounts.TeamAsync(Api);
        using var ownerClient = owner.Client(Api, owner.WorkspaceId);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        await SetBudgetAsync(ownerClient, owner.WorkspaceId, tokens: 100);
        var dataset = await ApiCalls.UploadSampleAsync(memberClient);
        var providerJobsBefore = (await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data.Count;

        var (_, pending) = await CreateJobAsync(memberClient, dataset.Id);
        Assert.Equal(JobStatus.PendingApproval, pending.Status);
        var denied = await ownerClient.PostAsJsonAsync($"/api/jobs/{pending.Id}/deny", new { reason = "Too big for this month" });
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        var job = await GetJobAsync(memberClient, pending.Id);
        Assert.Equal(JobStatus.Denied, job.Status);
        Assert.True(JobStatus.IsTerminal(job.Status));
        Assert.Equal(JobApproval.Denied, job.Approval!.Decision);
        Assert.Equal("Too big for this month", job.Approval.Comment);
        Assert.Null(job.ProviderJobId);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PostAsync($"/api/jobs/{pending.Id}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PostAsync($"/api/jobs/{pending.Id}/deny", null)).StatusCode);

        var told = Assert.Single((await NotificationsAsync(memberClient)).Items, n => n.JobId == pending.Id);
        Assert.Equal(NotificationKind.JobDenied, told.Kind);
        Assert.Contains("Too big for this month", told.Message);
        Assert.Equal(0, (await ownerClient.GetFromJsonAsync<WorkspaceSettings>($"/api/workspaces/{owner.WorkspaceId}/settings", FineTuneJson.Options))!.Usage.TrainedTokens);

        // The budget binds owners too: they approve their own job explicitly.
        var (ownerStatus, ownerJob) = await CreateJobAsync(ownerClient, dataset.Id);
        Assert.Equal(HttpStatusCode.Accepted, ownerStatus);
        Assert.Equal(JobStatus.PendingApproval, ownerJob.Status);
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.PostAsync($"/api/jobs/{ownerJob.Id}/deny", null)).StatusCode);
        Assert.Equal(providerJobsBefore, (await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data.Count);
    }

    [Fact]
    public async Task Cancelling_a_job_waiting_for_approval_withdraws_it_before_any_owner_decides()
    {
        var (owner, member, viewer, _) = await TestAccounts.TeamAsync(Api);
        using var ownerClient = owner.Client(Api, owner.WorkspaceId);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        using var viewerClient = viewer.Client(Api, owner.WorkspaceId);
        await SetBudgetAsync(ownerClient, owner.WorkspaceId, tokens: 100);
        var dataset = await ApiCalls.UploadSampleAsync(memberClient);
        var (_, pending) = await CreateJobAsync(memberClient, dataset.Id);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync($"/api/jobs/{pending.Id}/cancel", null)).StatusCode);
        var cancelled = await memberClient.PostAsync($"/api/jobs/{pending.Id}/cancel", null);
        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());

        var job = await GetJobAsync(memberClient, pending.Id);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal((JobApproval.Withdrawn, member.Id), (job.Approval!.Decision, job.Approval.DecidedBy));
        Assert.Null(job.ProviderJobId);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PostAsync($"/api/jobs/{pending.Id}/approve", null)).StatusCode);
        var log = await AuditAsync(ownerClient, $"action=job.cancelled&targetId={pending.Id}");
        Assert.Equal(member.Id, Assert.Single(log.Entries).ActorId);
    }

    [Fact]
    public async Task Settings_are_read_by_viewers_changed_by_owners_only_and_checked()
    {
        var (owner, member, viewer, _) = await TestAccounts.TeamAsync(Api);
        using var ownerClient = owner.Client(Api);
        using var memberClient = member.Client(Api);
        using var viewerClient = viewer.Client(Api);
        var path = $"/api/workspaces/{owner.WorkspaceId}/settings";

        var initial = (await viewerClient.GetFromJsonAsync<WorkspaceSettings>(path, FineTuneJson.Options))!;
        Assert.Null(initial.MonthlyTokenBudget);
        Assert.False(initial.WebhookConfigured);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.PutAsJsonAsync(path, new { monthlyTokenBudget = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerClient.PutAsJsonAsync(path, new { monthlyTokenBudget = -5 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerClient.PutAsJsonAsync(path, new { webhookUrl = "not a url" })).StatusCode);

        var saved = await ownerClient.PutAsJsonAsync(path, new { monthlyTokenBudget = 5000, monthlyCostBudget = 12.5m });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var settings = (await viewerClient.GetFromJsonAsync<WorkspaceSettings>(path, FineTuneJson.Options))!;
        Assert.Equal(5000, settings.MonthlyTokenBudget);
        Assert.Equal(12.5m, settings.MonthlyCostBudget);
        using var ownerInWorkspace = owner.Client(Api, owner.WorkspaceId);
        var entry = Assert.Single((await AuditAsync(ownerInWorkspace, "action=workspace.settings_changed")).Entries);
        Assert.Equal("monthly token budget none → 5,000; monthly cost budget none → $12.50", entry.Details);
    }

    [Fact]
    public async Task A_finished_job_notifies_its_creator_and_a_watcher_once_and_posts_slack_shaped_json_to_the_webhook()
    {
        var (owner, member, viewer, _) = await TestAccounts.TeamAsync(Api);
        var bystander = await TestAccounts.RegisterAsync(Api, "Bea");
        await TestAccounts.JoinAsync(Api, owner, owner.WorkspaceId, bystander, WorkspaceRole.Member);
        using var ownerClient = owner.Client(Api, owner.WorkspaceId);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        using var viewerClient = viewer.Client(Api, owner.WorkspaceId);
        using var bystanderClient = bystander.Client(Api, owner.WorkspaceId);

        await using var receiver = await WebhookReceiver.StartAsync();
        var settingsPath = $"/api/workspaces/{owner.WorkspaceId}/settings";
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.PutAsJsonAsync(settingsPath, new { webhookUrl = receiver.Url })).StatusCode);
        var settingsJson = await viewerClient.GetStringAsync(settingsPath);
        Assert.Contains("\"webhookConfigured\":true", settingsJson);
        Assert.DoesNotContain(WebhookReceiver.Secret, settingsJson);

        var test = (await (await ownerClient.PostAsync($"/api/workspaces/{owner.WorkspaceId}/webhook/test", null))
            .Content.ReadFromJsonAsync<WebhookTestResult>(FineTuneJson.Options))!;
        Assert.True(test.Delivered, test.Error);
        Assert.Equal(200, test.StatusCode);
        Assert.Contains("test message", await receiver.NextTextAsync(text => text.Contains("test message")));

        var dataset = await ApiCalls.UploadSampleAsync(memberClient);
        var (_, job) = await CreateJobAsync(memberClient, dataset.Id, suffix: "watched");
        Assert.Equal(HttpStatusCode.NoContent, (await viewerClient.PostAsync($"/api/jobs/{job.Id}/watch", null)).StatusCode);
        var watchers = (await viewerClient.GetFromJsonAsync<List<JobWatcher>>($"/api/jobs/{job.Id}/watchers", FineTuneJson.Options))!;
        Assert.Equal([new JobWatcher(viewer.Id, "Viewer")], watchers);

        var done = await UntilAsync(() => GetJobAsync(memberClient, job.Id), j => JobStatus.IsTerminal(j.Status), "the job to finish");
        Assert.Equal(JobStatus.Succeeded, done.Status);

        // Creator and watcher each get one; both are written before the webhook message is queued.
        var creatorsNote = await UntilAsync(() => NotificationsAsync(memberClient), l => l.Items.Any(n => n.JobId == job.Id), "the creator's notification");
        var text = await receiver.NextTextAsync(t => t.Contains(job.Id));
        Assert.Contains("succeeded", text);
        Assert.Contains(done.FineTunedModel!, text);

        var mine = Assert.Single(creatorsNote.Items, n => n.JobId == job.Id);
        Assert.Equal(NotificationKind.JobSucceeded, mine.Kind);
        Assert.Equal(owner.WorkspaceId, mine.WorkspaceId);
        Assert.False(mine.Read);
        Assert.Single((await NotificationsAsync(viewerClient)).Items, n => n.JobId == job.Id && n.Kind == NotificationKind.JobSucceeded);
        Assert.DoesNotContain((await NotificationsAsync(bystanderClient)).Items, n => n.JobId == job.Id);
        Assert.DoesNotContain((await NotificationsAsync(ownerClient)).Items, n => n.JobId == job.Id);

        // Read, one by one or all at once.
        var unread = (await NotificationsAsync(memberClient)).Unread;
        Assert.Equal(HttpStatusCode.NoContent, (await memberClient.PostAsync($"/api/notifications/{mine.Id}/read", null)).StatusCode);
        var afterRead = await NotificationsAsync(memberClient);
        Assert.Equal(unread - 1, afterRead.Unread);
        Assert.True(Assert.Single(afterRead.Items, n => n.Id == mine.Id).Read);
        Assert.DoesNotContain((await NotificationsAsync(memberClient, unreadOnly: true)).Items, n => n.Id == mine.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await viewerClient.PostAsync($"/api/notifications/{Guid.NewGuid():N}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await viewerClient.PostAsync("/api/notifications/read-all", null)).StatusCode);
        Assert.Equal(0, (await NotificationsAsync(viewerClient)).Unread);

        // A cancel seen by the Api (and maybe a worker) is announced once.
        var (_, cancelled) = await CreateJobAsync(memberClient, dataset.Id, epochs: 40);
        await UntilAsync(() => GetJobAsync(memberClient, cancelled.Id), j => j.Status == JobStatus.Running, "the second job to run");
        Assert.Equal(HttpStatusCode.OK, (await memberClient.PostAsync($"/api/jobs/{cancelled.Id}/cancel", null)).StatusCode);
        await UntilAsync(() => GetJobAsync(memberClient, cancelled.Id), j => j.Status == JobStatus.Cancelled, "the second job to be cancelled");
        Assert.Contains("cancelled", await receiver.NextTextAsync(t => t.Contains(cancelled.Id)));
        Assert.Single((await NotificationsAsync(memberClient)).Items, n => n.JobId == cancelled.Id && n.Kind == NotificationKind.JobCancelled);
    }

    [Fact]
    public async Task A_webhook_that_fails_is_logged_by_host_without_its_secret_and_the_job_still_finishes()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Olive");
        using var ownerClient = owner.Client(Api, owner.WorkspaceId);
        var deadUrl = $"http://127.0.0.1:{Repository.FreeTcpPort()}/services/{WebhookReceiver.Secret}";
        Assert.Equal(HttpStatusCode.OK,
            (await ownerClient.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/settings", new { webhookUrl = deadUrl })).StatusCode);

        var test = (await (await ownerClient.PostAsync($"/api/workspaces/{owner.WorkspaceId}/webhook/test", null))
            .Content.ReadFromJsonAsync<WebhookTestResult>(FineTuneJson.Options))!;
        Assert.False(test.Delivered);
        Assert.Null(test.StatusCode);
        Assert.NotNull(test.Error);

        var dataset = await ApiCalls.UploadSampleAsync(ownerClient);
        var (_, job) = await CreateJobAsync(ownerClient, dataset.Id);
        var done = await UntilAsync(() => GetJobAsync(ownerClient, job.Id), j => JobStatus.IsTerminal(j.Status), "the job to finish");
        Assert.Equal(JobStatus.Succeeded, done.Status);
        await UntilAsync(() => Task.FromResult(stack.Worker.Output), output => output.Contains($"workspace {owner.WorkspaceId} at http://127.0.0.1:"),
            "the worker to log the failed delivery");
        Assert.DoesNotContain(WebhookReceiver.Secret, stack.Worker.Output);
        Assert.DoesNotContain(WebhookReceiver.Secret, stack.Api.Output);
    }

    private static async Task SetBudgetAsync(HttpClient owner, string workspaceId, long tokens)
    {
        var response = await owner.PutAsJsonAsync($"/api/workspaces/{workspaceId}/settings", new { monthlyTokenBudget = tokens });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, FineTuneJob Job)> CreateJobAsync(
        HttpClient client, string datasetId, int epochs = 1, string? suffix = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var request = new CreateJobRequest(datasetId, "gpt-4.1-mini", Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: epochs)),
            Suffix: suffix, Metadata: metadata);
        var response = await client.PostAsync("/api/jobs",
            new StringContent(FineTuneJson.Serialize(request), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!);
    }

    private static async Task<FineTuneJob> GetJobAsync(HttpClient client, string jobId) =>
        (await client.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!;

    private static async Task<AuditPage> AuditAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync($"/api/audit?{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AuditPage>(FineTuneJson.Options))!;
    }

    private static async Task<NotificationList> NotificationsAsync(HttpClient client, bool unreadOnly = false) =>
        (await client.GetFromJsonAsync<NotificationList>($"/api/notifications?unreadOnly={unreadOnly}", FineTuneJson.Options))!;

    // Reads until the condition holds; fails with what it waited for once the deadline passes.
    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    // A Slack-like incoming webhook: a real HTTP server whose URL carries a secret path, keeping every
    // body it receives.
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        public const string Secret = "T0SECRET/B0SECRET/xoxsecretpath";

        private readonly LoopbackHttpServer _server;
        private readonly Channel<string> _texts;

        private WebhookReceiver(LoopbackHttpServer server, Channel<string> texts)
        {
            _server = server;
            _texts = texts;
        }

        public string Url => _server.Url($"/services/{Secret}");

        public static async Task<WebhookReceiver> StartAsync()
        {
            var texts = Channel.CreateUnbounded<string>();
            var server = await LoopbackHttpServer.StartAsync(async context =>
            {
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement;
                Assert.Equal("application/json", context.Request.ContentType?.Split(';')[0]);
                Assert.Equal(["text"], body.EnumerateObject().Select(p => p.Name));
                texts.Writer.TryWrite(body.GetProperty("text").GetString()!);
                await context.Response.WriteAsync("ok");
            });
            return new WebhookReceiver(server, texts);
        }

        // The "text" of the next body that matches; every body must be exactly { "text": "..." }.
        public async Task<string> NextTextAsync(Func<string, bool> match)
        {
            using var timeout = new CancellationTokenSource(Deadline);
            while (true)
            {
                var text = await _texts.Reader.ReadAsync(timeout.Token);
                if (match(text)) return text;
            }
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
