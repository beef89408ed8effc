using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;

namespace FineTune.Web.Api;

// The Api as the Web uses it: one method per route, every call carrying the token of whoever the client
// was created for (the signed-in user in a circuit, or an explicit token in the hub and at login) and,
// for the signed-in user, their current workspace.
public sealed class FineTuneApiClient(HttpClient http, IApiTokenSource tokenSource, IWorkspaceSource? workspaceSource = null)
{
    public const string HttpClientName = "api";

    public const string WorkspaceHeader = "FineTune-Workspace";

    public Task<Me> GetMeAsync(CancellationToken cancellationToken = default) =>
        SendAsync<Me>(HttpMethod.Get, "api/me", null, cancellationToken);

    public Task<Me> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<Me>(HttpMethod.Post, "api/account/register", JsonBody(request), cancellationToken);

    // A 401 for a wrong email or password, a 429 while the email is locked after repeated failures.
    public Task<SessionResponse> SignInAsync(SignInRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<SessionResponse>(HttpMethod.Post, "api/account/sessions", JsonBody(request), cancellationToken);

    // The OpenID Connect provider's ID token, checked by the Api, for a session token.
    public Task<SessionResponse> SignInWithOidcAsync(string idToken, CancellationToken cancellationToken = default) =>
        SendAsync<SessionResponse>(HttpMethod.Post, "api/account/sessions/oidc", JsonBody(new OidcTokenRequest(idToken)), cancellationToken);

    // Revokes the token this client sends.
    public Task SignOutAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "api/account/sessions/current", null, cancellationToken);

    public Task<IReadOnlyList<ApiToken>> GetPersonalTokensAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ApiToken>>(HttpMethod.Get, "api/account/tokens", null, cancellationToken);

    public Task<IssuedToken> CreatePersonalTokenAsync(CreateTokenRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<IssuedToken>(HttpMethod.Post, "api/account/tokens", JsonBody(request), cancellationToken);

    public Task RevokePersonalTokenAsync(string tokenId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/account/tokens/{Uri.EscapeDataString(tokenId)}", null, cancellationToken);

    public Task<WorkspaceMembership> CreateWorkspaceAsync(CreateWorkspaceRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<WorkspaceMembership>(HttpMethod.Post, "api/workspaces", JsonBody(request), cancellationToken);

    // 404 when the caller does not belong to the workspace.
    public Task<WorkspaceMembership> GetWorkspaceAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        SendAsync<WorkspaceMembership>(HttpMethod.Get, WorkspacePath(workspaceId), null, cancellationToken);

    public Task<IReadOnlyList<WorkspaceMember>> GetMembersAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<WorkspaceMember>>(HttpMethod.Get, $"{WorkspacePath(workspaceId)}/members", null, cancellationToken);

    // A 409 when it would leave the workspace without an owner.
    public Task SetMemberRoleAsync(string workspaceId, string userId, WorkspaceRole role, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"{WorkspacePath(workspaceId)}/members/{Uri.EscapeDataString(userId)}", JsonBody(new SetRoleRequest(role)), cancellationToken);

    public Task RemoveMemberAsync(string workspaceId, string userId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{WorkspacePath(workspaceId)}/members/{Uri.EscapeDataString(userId)}", null, cancellationToken);

    public Task<IReadOnlyList<Invitation>> GetInvitationsAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<Invitation>>(HttpMethod.Get, $"{WorkspacePath(workspaceId)}/invitations", null, cancellationToken);

    public Task<IssuedInvitation> CreateInvitationAsync(string workspaceId, CreateInvitationRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<IssuedInvitation>(HttpMethod.Post, $"{WorkspacePath(workspaceId)}/invitations", JsonBody(request), cancellationToken);

    public Task RevokeInvitationAsync(string workspaceId, string invitationId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{WorkspacePath(workspaceId)}/invitations/{Uri.EscapeDataString(invitationId)}", null, cancellationToken);

    // Anyone with the link may look; 404 once it is used, revoked or expired.
    public Task<InvitationPreview> PreviewInvitationAsync(string token, CancellationToken cancellationToken = default) =>
        SendAsync<InvitationPreview>(HttpMethod.Get, InvitationPath(token), null, cancellationToken);

    public Task<WorkspaceMembership> AcceptInvitationAsync(string token, CancellationToken cancellationToken = default) =>
        SendAsync<WorkspaceMembership>(HttpMethod.Post, $"{InvitationPath(token)}/accept", null, cancellationToken);

    private static string WorkspacePath(string id) => $"api/workspaces/{Uri.EscapeDataString(id)}";

    private static string InvitationPath(string token) => $"api/invitations/{Uri.EscapeDataString(token)}";

    public Task<IReadOnlyList<DatasetRecord>> GetDatasetsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<DatasetRecord>>(HttpMethod.Get, "api/datasets", null, cancellationToken);

    public Task<DatasetRecord> GetDatasetAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetRecord>(HttpMethod.Get, $"api/datasets/{Uri.EscapeDataString(id)}", null, cancellationToken);

    public Task<IReadOnlyList<DatasetModel>> GetDatasetModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<DatasetModel>>(HttpMethod.Get, "api/datasets/models", null, cancellationToken);

    // The stored dataset checked again against another model or for another method (null: the default model, an assumed method);
    // stores nothing.
    public Task<DatasetReport> ValidateDatasetAsync(string id, string? model, string? method, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetReport>(HttpMethod.Post,
            QueryHelpers.AddQueryString($"{DatasetPath(id)}/validate", new Dictionary<string, string?> { ["model"] = model, ["method"] = method }),
            null, cancellationToken);

    // What an export of the dataset in the format leaves out, and why, before the download.
    public Task<FormatConversionReport> GetDatasetExportReportAsync(string id, DatasetFormat format, CancellationToken cancellationToken = default) =>
        SendAsync<FormatConversionReport>(HttpMethod.Get, $"{DatasetPath(id)}/export/report?format={DatasetFormats.NameOf(format)}", null, cancellationToken);

    public Task<DatasetExamplePage> GetDatasetExamplesAsync(string id, int offset, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetExamplePage>(HttpMethod.Get, $"{DatasetPath(id)}/examples?offset={offset}&limit={limit}", null, cancellationToken);

    // Stores a new version of the dataset with line `line` replaced by `exampleJson`.
    public Task<DatasetRecord> ReplaceDatasetExampleAsync(string id, int line, string exampleJson, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetRecord>(HttpMethod.Put, $"{DatasetPath(id)}/examples/{line}",
            new StringContent(exampleJson, System.Text.Encoding.UTF8, "application/json"), cancellationToken);

    public Task<DatasetSplit> SplitDatasetAsync(string id, SplitDatasetRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetSplit>(HttpMethod.Post, $"{DatasetPath(id)}/split", JsonBody(request), cancellationToken);

    // Removes the version from the workspace; jobs made from it keep their provider files.
    public Task DeleteDatasetAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, DatasetPath(id), null, cancellationToken);

    private static string DatasetPath(string id) => $"api/datasets/{Uri.EscapeDataString(id)}";

    public Task<IReadOnlyList<FineTuneJob>> GetJobsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<FineTuneJob>>(HttpMethod.Get, "api/jobs", null, cancellationToken);

    public Task<FineTuneJob> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Get, JobPath(id), null, cancellationToken);

    // A small body with a Content-Length, rather than JsonContent's chunked stream.
    private static StringContent JsonBody<T>(T value) =>
        new(FineTuneJson.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    public Task<JobEventPage> GetJobEventsAsync(string id, string? after, CancellationToken cancellationToken = default) =>
        SendAsync<JobEventPage>(
            HttpMethod.Get,
            after is null ? $"{JobPath(id)}/events" : $"{JobPath(id)}/events?after={Uri.EscapeDataString(after)}",
            null,
            cancellationToken);

    // All events after `after` (all of them when null), oldest first, following the pages.
    public async Task<IReadOnlyList<JobEvent>> GetAllJobEventsAsync(string id, string? after, CancellationToken cancellationToken = default)
    {
        var events = new List<JobEvent>();
        while (true)
        {
            var page = await GetJobEventsAsync(id, after, cancellationToken);
            events.AddRange(page.Data);
            if (!page.HasMore || page.Data.Count == 0)
            {
                return events;
            }
            after = page.Data[^1].Id;
        }
    }

    public Task<FineTuneJob> CancelJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/cancel", null, cancellationToken);

    public Task<FineTuneJob> PauseJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/pause", null, cancellationToken);

    public Task<FineTuneJob> ResumeJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/resume", null, cancellationToken);

    // An owner's decision on a job waiting for approval; a 409 once it was decided.
    public Task<FineTuneJob> ApproveJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/approve", null, cancellationToken);

    // The body is the Api's DenyJobRequest, which FineTune.Contracts does not carry (yet).
    public Task<FineTuneJob> DenyJobAsync(string id, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/deny", JsonBody(new { reason }), cancellationToken);

    public Task<JobRerunPreview> PreviewJobRerunAsync(string id, RerunJobRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<JobRerunPreview>(HttpMethod.Post, $"{JobPath(id)}/rerun/preview", JsonBody(request), cancellationToken);

    // The key makes a double click start one re-run.
    public Task<FineTuneJob> RerunJobAsync(string id, RerunJobRequest request, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, $"{JobPath(id)}/rerun", JsonBody(request), cancellationToken,
            message => message.Headers.Add("Idempotency-Key", idempotencyKey));

    public Task WatchJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{JobPath(id)}/watch", null, cancellationToken);

    public Task UnwatchJobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"{JobPath(id)}/watch", null, cancellationToken);

    public Task<IReadOnlyList<JobWatcher>> GetJobWatchersAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<JobWatcher>>(HttpMethod.Get, $"{JobPath(id)}/watchers", null, cancellationToken);

    // The current workspace's audit log, newest first; `before` is the previous page's NextBefore.
    public Task<AuditPage> GetAuditLogAsync(
        string? action, string? actorId, DateTimeOffset? from, DateTimeOffset? to, string? before, int limit, CancellationToken cancellationToken = default)
    {
        var query = new List<string> { $"limit={limit}" };
        if (!string.IsNullOrEmpty(action)) query.Add($"action={Uri.EscapeDataString(action)}");
        if (!string.IsNullOrEmpty(actorId)) query.Add($"actorId={Uri.EscapeDataString(actorId)}");
        if (from is { } start) query.Add($"from={Uri.EscapeDataString(start.ToString("O"))}");
        if (to is { } end) query.Add($"to={Uri.EscapeDataString(end.ToString("O"))}");
        if (before is not null) query.Add($"before={Uri.EscapeDataString(before)}");
        return SendAsync<AuditPage>(HttpMethod.Get, $"api/audit?{string.Join('&', query)}", null, cancellationToken);
    }

    public Task<WorkspaceSettings> GetWorkspaceSettingsAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        SendAsync<WorkspaceSettings>(HttpMethod.Get, $"{WorkspacePath(workspaceId)}/settings", null, cancellationToken);

    public Task<WorkspaceSettings> UpdateWorkspaceSettingsAsync(string workspaceId, UpdateWorkspaceSettingsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<WorkspaceSettings>(HttpMethod.Put, $"{WorkspacePath(workspaceId)}/settings", JsonBody(request), cancellationToken);

    public Task<WebhookTestResult> TestWebhookAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        SendAsync<WebhookTestResult>(HttpMethod.Post, $"{WorkspacePath(workspaceId)}/webhook/test", null, cancellationToken);

    // The signed-in user's notifications across their workspaces.
    public Task<NotificationList> GetNotificationsAsync(bool unreadOnly, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<NotificationList>(HttpMethod.Get, $"api/notifications?unreadOnly={(unreadOnly ? "true" : "false")}&limit={limit}", null, cancellationToken);

    public Task MarkNotificationReadAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/notifications/{Uri.EscapeDataString(id)}/read", null, cancellationToken);

    public Task MarkAllNotificationsReadAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/notifications/read-all", null, cancellationToken);

    // The create-job form sends one key per form instance, so a double submit or a retry makes one job.
    public Task<FineTuneJob> CreateJobAsync(CreateJobRequest request, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<FineTuneJob>(HttpMethod.Post, "api/jobs", JsonBody(request), cancellationToken,
            message => message.Headers.Add("Idempotency-Key", idempotencyKey));

    // The models of a provider connection of the workspace; the server connection's when null.
    public Task<IReadOnlyList<ModelInfo>> GetModelsAsync(string? connectionId = null, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ModelInfo>>(HttpMethod.Get,
            connectionId is null ? "api/models" : $"api/models?connectionId={Uri.EscapeDataString(connectionId)}", null, cancellationToken);

    // Every fine-tuned model of the workspace with its shutdown countdown, the soonest to shut down first.
    public Task<ModelInventoryList> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ModelInventoryList>(HttpMethod.Get, "api/inventory", null, cancellationToken);

    // The workspace's provider connections, the server's built-in one first. Keys never come back.
    public Task<IReadOnlyList<ProviderConnection>> GetConnectionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ProviderConnection>>(HttpMethod.Get, "api/connections", null, cancellationToken);

    public Task<ProviderConnection> CreateConnectionAsync(ProviderConnectionRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<ProviderConnection>(HttpMethod.Post, "api/connections", JsonBody(request), cancellationToken);

    // ApiKey null keeps the stored key, "" removes it.
    public Task<ProviderConnection> UpdateConnectionAsync(string id, ProviderConnectionRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<ProviderConnection>(HttpMethod.Put, ConnectionPath(id), JsonBody(request), cancellationToken);

    // A 409 while active jobs run on it.
    public Task DeleteConnectionAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, ConnectionPath(id), null, cancellationToken);

    public Task<ConnectionTestResult> TestConnectionAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<ConnectionTestResult>(HttpMethod.Post, $"{ConnectionPath(id)}/test", null, cancellationToken);

    private static string ConnectionPath(string id) => $"api/connections/{Uri.EscapeDataString(id)}";

    public Task<JobEstimate> EstimateJobAsync(JobEstimateRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<JobEstimate>(HttpMethod.Post, "api/jobs/estimate", JsonBody(request), cancellationToken);

    public Task<JobCheckpointList> GetJobCheckpointsAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<JobCheckpointList>(HttpMethod.Get, $"{JobPath(id)}/checkpoints", null, cancellationToken);

    // Null while the job has no results file yet.
    public async Task<JobResults?> GetJobResultsAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<JobResults>(HttpMethod.Get, $"{JobPath(id)}/results", null, cancellationToken);
        }
        catch (FineTuneApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<string> GetJobResultsCsvAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, $"{JobPath(id)}/results.csv", null, cancellationToken);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public Task<IReadOnlyList<Eval>> GetEvalsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<Eval>>(HttpMethod.Get, "api/evals", null, cancellationToken);

    public Task<Eval> GetEvalAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Eval>(HttpMethod.Get, EvalPath(id), null, cancellationToken);

    // A 400 names the field (and, for graders, the grader) that does not fit the test set.
    public Task<Eval> CreateEvalAsync(CreateEvalRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<Eval>(HttpMethod.Post, "api/evals", JsonBody(request), cancellationToken);

    // An eval as OpenAI's Evals API returned it, as JSON, on one of the workspace's datasets.
    public Task<Eval> ImportEvalAsync(string openAIEvalJson, string datasetId, CancellationToken cancellationToken = default) =>
        SendAsync<Eval>(HttpMethod.Post, $"api/evals/import?datasetId={Uri.EscapeDataString(datasetId)}",
            new StringContent(openAIEvalJson, System.Text.Encoding.UTF8, "application/json"), cancellationToken);

    public Task DeleteEvalAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, EvalPath(id), null, cancellationToken);

    public Task<IReadOnlyList<EvalRun>> GetEvalRunsAsync(string evalId, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<EvalRun>>(HttpMethod.Get, $"{EvalPath(evalId)}/runs", null, cancellationToken);

    public Task<EvalRun> CreateEvalRunAsync(string evalId, CreateEvalRunRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<EvalRun>(HttpMethod.Post, $"{EvalPath(evalId)}/runs", JsonBody(request), cancellationToken);

    public Task<EvalRun> GetEvalRunAsync(string evalId, string runId, CancellationToken cancellationToken = default) =>
        SendAsync<EvalRun>(HttpMethod.Get, EvalRunPath(evalId, runId), null, cancellationToken);

    // Every item graded so far, by line, following the pages.
    public async Task<IReadOnlyList<EvalItemResult>> GetAllEvalRunItemsAsync(string evalId, string runId, CancellationToken cancellationToken = default)
    {
        const int PageSize = 1000;
        var items = new List<EvalItemResult>();
        while (true)
        {
            var page = await SendAsync<EvalItemPage>(HttpMethod.Get, $"{EvalRunPath(evalId, runId)}/items?offset={items.Count}&limit={PageSize}", null, cancellationToken);
            items.AddRange(page.Items);
            if (page.Items.Count == 0 || items.Count >= page.Total) return items;
        }
    }

    // A 409 once the run has finished.
    public Task<EvalRun> CancelEvalRunAsync(string evalId, string runId, CancellationToken cancellationToken = default) =>
        SendAsync<EvalRun>(HttpMethod.Post, $"{EvalRunPath(evalId, runId)}/cancel", null, cancellationToken);

    // The finished run's answers as a new dataset of the eval's workspace; a 409 while it runs, a 400 when none was answered.
    public Task<DatasetRecord> RecordRunAsync(string evalId, string runId, RecordRunRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetRecord>(HttpMethod.Post, $"{EvalRunPath(evalId, runId)}/dataset", JsonBody(request), cancellationToken);

    // Run a is the baseline.
    // The baseline first.
    public Task<EvalComparison> CompareEvalRunsAsync(string evalId, IEnumerable<string> runIds, CancellationToken cancellationToken = default) =>
        SendAsync<EvalComparison>(HttpMethod.Get, $"{EvalPath(evalId)}/compare?runs={string.Join(',', runIds.Select(Uri.EscapeDataString))}", null, cancellationToken);

    // The job's fine-tuned model and its base model on its validation set (or the chosen eval); a 400 until the job has succeeded.
    public Task<JobEvaluationStarted> EvaluateJobAsync(string jobId, string? evalId, string? against = null, CancellationToken cancellationToken = default) =>
        SendAsync<JobEvaluationStarted>(HttpMethod.Post, $"{JobPath(jobId)}/evaluate", JsonBody(new EvaluateJobRequest(evalId, against)), cancellationToken);

    private static string EvalPath(string id) => $"api/evals/{Uri.EscapeDataString(id)}";

    private static string EvalRunPath(string evalId, string runId) => $"{EvalPath(evalId)}/runs/{Uri.EscapeDataString(runId)}";

    public Task<IReadOnlyList<PlaygroundPrompt>> GetPlaygroundPromptsAsync(string datasetId, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PlaygroundPrompt>>(HttpMethod.Get, $"api/playground/prompts?datasetId={Uri.EscapeDataString(datasetId)}&limit={limit}", null, cancellationToken);

    // The model's answer as the Api streams it (server-sent events), chunk by chunk; the last has Done set.
    public async IAsyncEnumerable<PlaygroundChunk> StreamChatAsync(
        PlaygroundChatRequest chat, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = await CreateRequestAsync(HttpMethod.Post, "api/playground/chat", JsonBody(chat), cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new FineTuneApiException($"The playground did not reach the Api: {ex.Message}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                yield return FineTuneJson.Deserialize<PlaygroundChunk>(item.Data);
            }
        }
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (await tokenSource.GetTokenAsync() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (workspaceSource is not null)
        {
            request.Headers.Add(WorkspaceHeader, await workspaceSource.GetWorkspaceIdAsync(cancellationToken));
        }
        return request;
    }

    private static string JobPath(string id) => $"api/jobs/{Uri.EscapeDataString(id)}";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
    {
        using var request = await CreateRequestAsync(method, path, content, cancellationToken);
        configure?.Invoke(request);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Connection refused, DNS, resilience timeouts and an open circuit breaker all mean the same to a user.
            throw new FineTuneApiException($"{method} {path} did not reach the Api: {ex.Message}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
            return await response.Content.ReadFromJsonAsync<T>(FineTuneJson.Options, cancellationToken)
                ?? throw new FineTuneApiException(response.StatusCode, $"The Api answered {method} {path} with an empty body.");
        }
    }

    // For routes that answer with no body (204).
    private async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = await CreateRequestAsync(method, path, content, cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new FineTuneApiException($"{method} {path} did not reach the Api: {ex.Message}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
        }
    }

    private static async Task<FineTuneApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var problem = await TryReadProblemAsync(response, cancellationToken);
        var message = problem?.Detail ?? problem?.Title ?? $"The Api answered {(int)status} {response.ReasonPhrase}";
        var errors = problem is null ? null : new Dictionary<string, string[]>(problem.Errors);
        return new FineTuneApiException(status, message, errors) { ProblemDetail = problem?.Detail ?? problem?.Title, ProblemTitle = problem?.Title };
    }

    private static async Task<HttpValidationProblemDetails?> TryReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return null;
        }
        try
        {
            return await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(FineTuneJson.Options, cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
