using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// Every Api route, called by an owner, a member, a viewer and someone from another workspace: each gets
// exactly what their role allows, and an outsider learns nothing (the same 404 as for an id that does
// not exist). The route list is checked against the OpenAPI document, so a new route cannot skip it.
public sealed class WorkspaceAccessTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private Uri Api => stack.Api.BaseAddress;

    // Allowed is the exact status a caller whose role is at least Least gets.
    private sealed record Target(string Method, string Path, WorkspaceRole Least, int Allowed, Func<Context, TestUser, Task<HttpRequestMessage>> Build);

    // What the requests need: the owner's workspace with a dataset, a finished job and an eval with a finished run in it.
    private sealed record Context(Uri Api, TestUser Owner, string WorkspaceId, string DatasetId, string JobId, string ConnectionId,
        Func<Task<string>> FreshDatasetId, Func<Task<string>> FreshMemberId, Func<Task<string>> FreshInvitationId, Func<Task<string>> FreshConnectionId)
    {
        public string EvalId { get; init; } = "";
        public string EvalRunId { get; init; } = "";

        // An eval made by the caller when they may make one (so its creator deletes it), else by the owner.
        public Func<TestUser, Task<string>> FreshEvalId { get; init; } = _ => Task.FromResult("");
    }

    private static readonly string OneExample =
        """{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}""";

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? body = null) => new(method, path) { Content = body };
    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value, FineTuneJson.Options), Encoding.UTF8, "application/json");
    private static StringContent Jsonl(string text) => new(text, Encoding.UTF8, "application/jsonl");

    // Nothing listens on port 9 (discard): the connection test fails fast and says so in a 200 answer.
    private static readonly object LocalConnection = new { name = "Local", kind = "local", endpoint = "http://127.0.0.1:9/v1", apiKey = "sk-matrix" };

    private static Task<HttpRequestMessage> Ready(HttpRequestMessage request) => Task.FromResult(request);

    // The context's dataset as a bundle, as its owner downloads it.
    private static async Task<byte[]> DatasetBundleAsync(Context c)
    {
        using var owner = c.Owner.Client(c.Api);
        return await owner.GetByteArrayAsync($"/api/datasets/{c.DatasetId}/bundle");
    }

    private static readonly Target[] WorkspaceRoutes =
    [
        new("POST", "/api/datasets/validate", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Post, "/api/datasets/validate", Jsonl(OneExample)))),
        new("POST", "/api/datasets", WorkspaceRole.Member, 201, (c, _) => Ready(Request(HttpMethod.Post, "/api/datasets?name=x.jsonl", Jsonl(OneExample)))),
        new("GET", "/api/datasets", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/datasets"))),
        new("GET", "/api/datasets/models", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/datasets/models"))),
        new("GET", "/api/datasets/{id}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}"))),
        new("DELETE", "/api/datasets/{id}", WorkspaceRole.Member, 204, async (c, _) => Request(HttpMethod.Delete, $"/api/datasets/{await c.FreshDatasetId()}")),
        new("GET", "/api/datasets/{id}/content", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}/content"))),
        new("GET", "/api/datasets/{id}/export", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}/export?format=sharegpt"))),
        new("GET", "/api/datasets/{id}/export/report", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}/export/report?format=alpaca"))),
        new("POST", "/api/datasets/{id}/validate", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Post, $"/api/datasets/{c.DatasetId}/validate"))),
        new("GET", "/api/datasets/{id}/examples", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}/examples"))),
        new("PUT", "/api/datasets/{id}/examples/{line}", WorkspaceRole.Member, 201,
            (c, _) => Ready(Request(HttpMethod.Put, $"/api/datasets/{c.DatasetId}/examples/1", new StringContent(OneExample, Encoding.UTF8, "application/json")))),
        new("POST", "/api/datasets/{id}/split", WorkspaceRole.Member, 201,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/datasets/{c.DatasetId}/split", Json(new { validationRatio = 0.5, seed = 1 })))),

        new("POST", "/api/jobs", WorkspaceRole.Member, 422,
            (c, _) => Ready(Request(HttpMethod.Post, "/api/jobs", Json(new CreateJobRequest("ds_does_not_exist", "gpt-4.1-mini"))))),
        new("GET", "/api/jobs", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/jobs"))),
        new("POST", "/api/jobs/estimate", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Post, "/api/jobs/estimate", Json(new { trainingDatasetId = c.DatasetId, model = "gpt-4.1-mini" })))),
        new("GET", "/api/jobs/{id}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}"))),
        new("GET", "/api/jobs/{id}/events", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/events"))),
        // The job has finished: cancel, pause and resume are refused (400), as OpenAI refuses them.
        new("POST", "/api/jobs/{id}/cancel", WorkspaceRole.Member, 400, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/cancel"))),
        new("POST", "/api/jobs/{id}/pause", WorkspaceRole.Member, 400, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/pause"))),
        new("POST", "/api/jobs/{id}/resume", WorkspaceRole.Member, 400, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/resume"))),
        new("GET", "/api/jobs/{id}/checkpoints", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/checkpoints"))),
        new("GET", "/api/jobs/{id}/results", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/results"))),
        new("GET", "/api/jobs/{id}/results.csv", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/results.csv"))),
        // The job is not waiting for approval: nothing to decide (409).
        new("POST", "/api/jobs/{id}/approve", WorkspaceRole.Owner, 409, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/approve"))),
        new("POST", "/api/jobs/{id}/deny", WorkspaceRole.Owner, 409, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/deny"))),
        new("POST", "/api/jobs/{id}/watch", WorkspaceRole.Viewer, 204, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/watch"))),
        new("DELETE", "/api/jobs/{id}/watch", WorkspaceRole.Viewer, 204, (c, _) => Ready(Request(HttpMethod.Delete, $"/api/jobs/{c.JobId}/watch"))),
        new("GET", "/api/jobs/{id}/watchers", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/watchers"))),
        new("GET", "/api/audit", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/audit"))),

        new("GET", "/api/evals", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/evals"))),
        new("POST", "/api/evals", WorkspaceRole.Member, 201, (c, _) => Ready(Request(HttpMethod.Post, "/api/evals", Json(NewEval(c.DatasetId))))),
        // No test set named: refused once the role is checked (400).
        new("POST", "/api/evals/import", WorkspaceRole.Member, 400, (c, _) => Ready(Request(HttpMethod.Post, "/api/evals/import", Json(new { name = "x" })))),
        new("GET", "/api/evals/{id}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}"))),
        new("DELETE", "/api/evals/{id}", WorkspaceRole.Member, 204, async (c, user) => Request(HttpMethod.Delete, $"/api/evals/{await c.FreshEvalId(user)}")),
        new("GET", "/api/evals/{id}/export", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}/export"))),
        new("GET", "/api/evals/{id}/runs", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}/runs"))),
        new("POST", "/api/evals/{id}/runs", WorkspaceRole.Member, 202,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/evals/{c.EvalId}/runs", Json(new CreateEvalRunRequest("gpt-4.1-mini"))))),
        new("GET", "/api/evals/{id}/runs/{runId}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}/runs/{c.EvalRunId}"))),
        new("GET", "/api/evals/{id}/runs/{runId}/items", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}/runs/{c.EvalRunId}/items"))),
        // The run has finished: nothing to cancel (409).
        new("POST", "/api/evals/{id}/runs/{runId}/cancel", WorkspaceRole.Member, 409,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/evals/{c.EvalId}/runs/{c.EvalRunId}/cancel"))),
        new("POST", "/api/evals/{id}/runs/{runId}/dataset", WorkspaceRole.Member, 201,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/evals/{c.EvalId}/runs/{c.EvalRunId}/dataset", Json(new RecordRunRequest("recorded.jsonl"))))),
        new("GET", "/api/evals/{id}/compare", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Get, $"/api/evals/{c.EvalId}/compare?runs={c.EvalRunId},{c.EvalRunId}"))),
        new("POST", "/api/jobs/{id}/evaluate", WorkspaceRole.Member, 202, (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/evaluate", Json(new { })))),
        new("POST", "/api/jobs/{id}/rerun/preview", WorkspaceRole.Viewer, 200,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/rerun/preview", Json(new RerunJobRequest(ProviderConnection.ServerId))))),
        // An unknown connection: the refusal (400) comes only after the role is checked, and no job is started for each caller.
        new("POST", "/api/jobs/{id}/rerun", WorkspaceRole.Member, 400,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/jobs/{c.JobId}/rerun", Json(new RerunJobRequest("conn_nonexistent"))))),

        new("GET", "/api/jobs/{id}/bundle", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/jobs/{c.JobId}/bundle"))),
        new("GET", "/api/datasets/{id}/bundle", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/datasets/{c.DatasetId}/bundle"))),
        new("POST", "/api/bundles", WorkspaceRole.Member, 201,
            async (c, _) => Request(HttpMethod.Post, "/api/bundles", new ByteArrayContent(await DatasetBundleAsync(c)))),

        new("GET", "/api/connections", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/connections"))),
        new("POST", "/api/connections", WorkspaceRole.Owner, 201, (c, _) => Ready(Request(HttpMethod.Post, "/api/connections", Json(LocalConnection)))),
        new("GET", "/api/connections/{id}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/connections/{c.ConnectionId}"))),
        new("PUT", "/api/connections/{id}", WorkspaceRole.Owner, 200, (c, _) => Ready(Request(HttpMethod.Put, $"/api/connections/{c.ConnectionId}", Json(LocalConnection)))),
        new("DELETE", "/api/connections/{id}", WorkspaceRole.Owner, 204, async (c, _) => Request(HttpMethod.Delete, $"/api/connections/{await c.FreshConnectionId()}")),
        new("POST", "/api/connections/{id}/test", WorkspaceRole.Member, 200, (c, _) => Ready(Request(HttpMethod.Post, $"/api/connections/{c.ConnectionId}/test"))),

        new("GET", "/api/models", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/models"))),
        new("GET", "/api/inventory", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, "/api/inventory"))),
        new("POST", "/api/playground/chat", WorkspaceRole.Member, 200,
            (c, _) => Ready(Request(HttpMethod.Post, "/api/playground/chat", Json(new { model = "gpt-4.1-mini", messages = new[] { new { role = "user", content = "Hi" } } })))),
        new("GET", "/api/playground/prompts", WorkspaceRole.Member, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/playground/prompts?datasetId={c.DatasetId}"))),

        new("GET", "/api/workspaces/{workspaceId}", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/workspaces/{c.WorkspaceId}"))),
        new("GET", "/api/workspaces/{workspaceId}/members", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/workspaces/{c.WorkspaceId}/members"))),
        new("PUT", "/api/workspaces/{workspaceId}/members/{userId}", WorkspaceRole.Owner, 204,
            async (c, _) => Request(HttpMethod.Put, $"/api/workspaces/{c.WorkspaceId}/members/{await c.FreshMemberId()}", Json(new { role = WorkspaceRole.Member }))),
        new("DELETE", "/api/workspaces/{workspaceId}/members/{userId}", WorkspaceRole.Owner, 204,
            async (c, _) => Request(HttpMethod.Delete, $"/api/workspaces/{c.WorkspaceId}/members/{await c.FreshMemberId()}")),
        new("GET", "/api/workspaces/{workspaceId}/invitations", WorkspaceRole.Owner, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/workspaces/{c.WorkspaceId}/invitations"))),
        new("POST", "/api/workspaces/{workspaceId}/invitations", WorkspaceRole.Owner, 201,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/workspaces/{c.WorkspaceId}/invitations", Json(new { role = WorkspaceRole.Viewer })))),
        new("GET", "/api/workspaces/{workspaceId}/settings", WorkspaceRole.Viewer, 200, (c, _) => Ready(Request(HttpMethod.Get, $"/api/workspaces/{c.WorkspaceId}/settings"))),
        new("PUT", "/api/workspaces/{workspaceId}/settings", WorkspaceRole.Owner, 200,
            (c, _) => Ready(Request(HttpMethod.Put, $"/api/workspaces/{c.WorkspaceId}/settings", Json(new { })))),
        // No webhook is set, so an owner gets 409: nothing to post to.
        new("POST", "/api/workspaces/{workspaceId}/webhook/test", WorkspaceRole.Owner, 409,
            (c, _) => Ready(Request(HttpMethod.Post, $"/api/workspaces/{c.WorkspaceId}/webhook/test"))),
        new("DELETE", "/api/workspaces/{workspaceId}/invitations/{invitationId}", WorkspaceRole.Owner, 204,
            async (c, _) => Request(HttpMethod.Delete, $"/api/workspaces/{c.WorkspaceId}/invitations/{await c.FreshInvitationId()}")),
    ];

    // Routes about the caller rather than a workspace: any signed-in user (or anyone, for the anonymous ones).
    private static readonly HashSet<string> PersonalRoutes =
    [
        "GET /api/me",
        "POST /api/account/register",
        "POST /api/account/sessions",
        "POST /api/account/sessions/oidc",
        "DELETE /api/account/sessions/current",
        "GET /api/account/tokens",
        "POST /api/account/tokens",
        "DELETE /api/account/tokens/{tokenId}",
        "GET /api/workspaces",
        "POST /api/workspaces",
        "GET /api/invitations/{token}",
        "POST /api/invitations/{token}/accept",
        "GET /api/notifications",
        "POST /api/notifications/{id}/read",
        "POST /api/notifications/read-all",
    ];

    // Routes about the whole server: for its owner, the admin account, and no one else, whatever their workspace roles.
    private static readonly string[] ServerOwnerRoutes = ["GET /api/admin/backup"];

    [Fact]
    public async Task Every_route_is_in_the_matrix()
    {
        using var anonymous = new HttpClient { BaseAddress = Api };
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet();
        var covered = WorkspaceRoutes.Select(r => $"{r.Method} {r.Path}").Concat(PersonalRoutes).Concat(ServerOwnerRoutes).ToHashSet();

        Assert.True(!documented.Except(covered).Any(), "Routes missing from the matrix: " + string.Join(", ", documented.Except(covered)));
        Assert.True(!covered.Except(documented).Any(), "Routes in the matrix that do not exist: " + string.Join(", ", covered.Except(documented)));
    }

    [Fact]
    public async Task Each_role_gets_what_it_may_and_an_outsider_gets_the_same_404_as_for_nothing()
    {
        var (owner, member, viewer, outsider) = await TestAccounts.TeamAsync(Api);
        var workspace = owner.WorkspaceId;

        using var ownerClient = owner.Client(Api, workspace);
        var datasetId = (await ApiCalls.UploadSampleAsync(ownerClient)).Id;
        var jobId = await RunJobAsync(ownerClient, datasetId, () => stack.Logs);
        var context = new Context(Api, owner, workspace, datasetId, jobId, await CreateConnectionAsync(ownerClient),
            FreshDatasetId: async () => (await ApiCalls.UploadSampleAsync(ownerClient)).Id,
            FreshMemberId: async () =>
            {
                var extra = await TestAccounts.RegisterAsync(Api, "Extra");
                await TestAccounts.JoinAsync(Api, owner, workspace, extra, WorkspaceRole.Viewer);
                return extra.Id;
            },
            FreshInvitationId: async () =>
            {
                var invited = await ownerClient.PostAsync($"/api/workspaces/{workspace}/invitations", Json(new { role = WorkspaceRole.Viewer }));
                return (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("invitation").GetProperty("id").GetString()!;
            },
            FreshConnectionId: () => CreateConnectionAsync(ownerClient))
        {
            EvalId = await CreateEvalAsync(ownerClient, datasetId),
            FreshEvalId = async user =>
            {
                using var maker = (user == member ? member : owner).Client(Api, workspace);
                return await CreateEvalAsync(maker, datasetId);
            },
        };
        context = context with { EvalRunId = await RunEvalAsync(ownerClient, context.EvalId, () => stack.Logs) };

        var callers = new (TestUser User, WorkspaceRole? Role)[] { (outsider, null), (viewer, WorkspaceRole.Viewer), (member, WorkspaceRole.Member), (owner, WorkspaceRole.Owner) };
        var failures = new List<string>();
        foreach (var route in WorkspaceRoutes)
        {
            foreach (var (user, role) in callers)
            {
                using var client = user.Client(Api, workspace);
                using var request = await route.Build(context, user);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                var expected = role is null ? 404 : role < route.Least ? 403 : route.Allowed;
                var ok = status == expected && (expected != 404 || await response.Content.ReadAsStringAsync() == "");
                if (!ok) failures.Add($"{route.Method} {route.Path} as {role?.ToString() ?? "outsider"}: expected {expected}, got {status}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Server_routes_are_for_the_admin_alone_not_for_a_workspace_owner()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var ownerClient = owner.Client(Api);
        using var admin = stack.CreateApiClient();
        using var anonymous = stack.CreateApiClient(token: null);
        foreach (var route in ServerOwnerRoutes)
        {
            var (method, path) = (new HttpMethod(route.Split(' ')[0]), route.Split(' ')[1]);
            using var asOwner = await ownerClient.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead);
            using var asAnonymous = await anonymous.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead);
            using var asAdmin = await admin.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (asOwner.StatusCode, asAnonymous.StatusCode, asAdmin.StatusCode));
        }
    }

    [Fact]
    public async Task Another_workspaces_dataset_named_in_a_request_body_is_as_unknown_as_a_missing_one()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        var outsider = await TestAccounts.RegisterAsync(Api, "Outsider");
        using var ownerClient = owner.Client(Api);
        using var outsiderClient = outsider.Client(Api);
        var datasetId = (await ApiCalls.UploadSampleAsync(ownerClient)).Id;

        var theirs = await outsiderClient.PostAsync("/api/jobs", Json(new CreateJobRequest(datasetId, "gpt-4.1-mini")));
        var missing = await outsiderClient.PostAsync("/api/jobs", Json(new CreateJobRequest("ds_0000000000000000", "gpt-4.1-mini")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, theirs.StatusCode);
        Assert.Equal(
            (await missing.Content.ReadAsStringAsync()).Replace("ds_0000000000000000", "ID"),
            (await theirs.Content.ReadAsStringAsync()).Replace(datasetId, "ID"));
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderClient.GetAsync($"/api/playground/prompts?datasetId={datasetId}")).StatusCode);
        Assert.DoesNotContain(datasetId, await outsiderClient.GetStringAsync("/api/datasets"));
    }

    [Fact]
    public async Task A_path_made_of_dots_and_slashes_reaches_no_file()
    {
        using var admin = stack.CreateApiClient();
        foreach (var id in new[] { "..%2F..%2F..%2Fetc%2Fpasswd", "..%5C..%5Cwindows", "%2Fetc%2Fpasswd" })
        {
            var response = await admin.GetAsync($"/api/datasets/{id}/content");
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{id}: {response.StatusCode}");
            Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
        }
    }

    private static CreateEvalRequest NewEval(string datasetId) =>
        new("matrix", datasetId, JsonDocument.Parse("""
            [{ "type": "string_check", "name": "exact", "input": "{{ sample.output_text }}", "reference": "{{ item.reference }}", "operation": "eq" }]
            """).RootElement);

    private static async Task<string> CreateEvalAsync(HttpClient client, string datasetId)
    {
        var response = await client.PostAsync("/api/evals", Json(NewEval(datasetId)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    // A run that has finished, so its items exist.
    private static async Task<string> RunEvalAsync(HttpClient client, string evalId, Func<string> logs)
    {
        var response = await client.PostAsync($"/api/evals/{evalId}/runs", Json(new CreateEvalRunRequest("gpt-4.1-mini")));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<EvalRun>(FineTuneJson.Options))!;
        return (await ApiCalls.WaitUntilEvalRunFinishedAsync(client, evalId, run.Id, TimeSpan.FromMinutes(2), logs)).Id;
    }

    private static async Task<string> CreateConnectionAsync(HttpClient client)
    {
        var response = await client.PostAsync("/api/connections", Json(LocalConnection));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    // A job that has finished, so its results and checkpoints exist.
    private static async Task<string> RunJobAsync(HttpClient client, string datasetId, Func<string> logs)
    {
        var created = await client.PostAsync("/api/jobs", Json(new CreateJobRequest(datasetId, "gpt-4.1-mini",
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1)))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        job = await ApiCalls.WaitUntilTerminalAsync(client, job.Id, TimeSpan.FromMinutes(2), logs);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        return job.Id;
    }
}
