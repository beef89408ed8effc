using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Provider connections per workspace, through the real Api, Worker and LocalProvider. The provider sits
// behind a KeyCheckingGateway, so a call only gets through with the connection's real key: what reaches
// it proves which process decrypted the key, and the planted key is then looked for everywhere else.
public sealed class ConnectionTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(120);

    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task A_planted_key_reaches_the_provider_from_the_Api_and_the_Worker_and_nothing_else()
    {
        var plantedKey = "sk-planted-" + Guid.NewGuid().ToString("N");
        await using var gateway = await KeyCheckingGateway.StartAsync(new Uri(stack.ProviderEndpoint + "/"), plantedKey);
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api);
        var responses = new StringBuilder();
        async Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) });
            responses.AppendLine(await response.Content.ReadAsStringAsync());
            return response;
        }

        var created = await Send(HttpMethod.Post, "/api/connections", new ProviderConnectionRequest(
            "Planted", ProviderConnectionKind.OpenAICompatible, gateway.Endpoint.ToString(), plantedKey, Organization: "org-planted"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var connection = (await created.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
        Assert.True(connection.HasKey);
        Assert.StartsWith("conn_", connection.Id);

        var list = (await (await Send(HttpMethod.Get, "/api/connections")).Content.ReadFromJsonAsync<List<ProviderConnection>>(FineTuneJson.Options))!;
        Assert.Equal(["server", connection.Id], list.Select(c => c.Id));
        Assert.True(list[0].BuiltIn);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/api/connections/{connection.Id}")).StatusCode);
        var renamed = await Send(HttpMethod.Put, $"/api/connections/{connection.Id}", new ProviderConnectionRequest(
            "Planted (renamed)", ProviderConnectionKind.OpenAICompatible, gateway.Endpoint.ToString(), ApiKey: null, Organization: "org-planted"));
        Assert.True((await renamed.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!.HasKey, "A PUT without apiKey keeps the key.");
        var test = (await (await Send(HttpMethod.Post, $"/api/connections/{connection.Id}/test")).Content.ReadFromJsonAsync<ConnectionTestResult>(FineTuneJson.Options))!;
        Assert.True(test.Ok, test.Message);
        var models = await Send(HttpMethod.Get, $"/api/models?connectionId={connection.Id}");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);

        var datasetId = (await ApiCalls.UploadSampleAsync(client)).Id;
        var createdJob = await Send(HttpMethod.Post, "/api/jobs", new CreateJobRequest(datasetId, "gpt-4.1-mini", Suffix: "planted", ConnectionId: connection.Id));
        Assert.Equal(HttpStatusCode.Created, createdJob.StatusCode);
        var job = (await createdJob.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal(connection.Id, job.ConnectionId);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Delete, $"/api/connections/{connection.Id}")).StatusCode);

        var finished = await ApiCalls.WaitUntilTerminalAsync(client, job.Id, JobDeadline, () => stack.Logs);
        Assert.Equal(JobStatus.Succeeded, finished.Status);
        foreach (var path in new[] { "", "/events", "/checkpoints", "/results", "/results.csv" })
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/api/jobs/{job.Id}{path}")).StatusCode);
        }
        var chat = await Send(HttpMethod.Post, "/api/playground/chat", new PlaygroundChatRequest(
            finished.FineTunedModel!, [new ChatTurn("user", "What is the capital of France?")], MaxTokens: 8, ConnectionId: connection.Id));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);

        // Only the Worker reads events from the provider, only the Api creates jobs: both sent the key.
        Assert.Contains($"GET /v1/fine_tuning/jobs/{finished.ProviderJobId}/events", gateway.Forwarded);
        Assert.Contains("POST /v1/fine_tuning/jobs", gateway.Forwarded);
        Assert.All(gateway.Organizations, organization => Assert.Equal("org-planted", organization));

        Assert.DoesNotContain(plantedKey, responses.ToString());
        Assert.DoesNotContain(plantedKey, stack.Logs);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var everything = await RedisDump.AllValuesAsync(redis);
        Assert.Contains(connection.Id, everything);
        Assert.DoesNotContain(plantedKey, everything);

        // Once the job is over the connection can go; the job's provider calls then say why they cannot be made.
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/connections/{connection.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/connections/{connection.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Get, $"/api/jobs/{job.Id}/checkpoints")).StatusCode);
    }

    [Fact]
    public async Task Test_connection_says_ok_or_what_is_wrong_without_the_key()
    {
        var rightKey = "sk-right-" + Guid.NewGuid().ToString("N");
        var wrongKey = "sk-wrong-" + Guid.NewGuid().ToString("N");
        await using var gateway = await KeyCheckingGateway.StartAsync(new Uri(stack.ProviderEndpoint + "/"), rightKey);
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api);

        var server = await TestAsync(client, "server");
        Assert.True(server.Ok, server.Message);

        var connection = await CreateAsync(client, new ProviderConnectionRequest("Wrong key", ProviderConnectionKind.OpenAI, gateway.Endpoint.ToString(), wrongKey));
        var refused = await TestAsync(client, connection.Id);
        Assert.False(refused.Ok);
        Assert.Contains("401", refused.Message);
        Assert.Contains("Incorrect API key", refused.Message);
        Assert.DoesNotContain(wrongKey, refused.Message);

        var fixedKey = await client.PutAsync($"/api/connections/{connection.Id}",
            Json(new ProviderConnectionRequest("Right key", ProviderConnectionKind.OpenAI, gateway.Endpoint.ToString(), rightKey)));
        Assert.Equal(HttpStatusCode.OK, fixedKey.StatusCode);
        var ok = await TestAsync(client, connection.Id);
        Assert.True(ok.Ok, ok.Message);
        Assert.True(ok.ModelCount > 0);

        var keyRemoved = await client.PutAsync($"/api/connections/{connection.Id}",
            Json(new ProviderConnectionRequest("No key", ProviderConnectionKind.OpenAI, gateway.Endpoint.ToString(), "")));
        Assert.False((await keyRemoved.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!.HasKey);
        Assert.False((await TestAsync(client, connection.Id)).Ok);

        var nowhere = await CreateAsync(client, new ProviderConnectionRequest("Nowhere", ProviderConnectionKind.Local, $"http://127.0.0.1:{Repository.FreeTcpPort()}/v1"));
        var unreachable = await TestAsync(client, nowhere.Id);
        Assert.False(unreachable.Ok);
        Assert.Contains("could not be reached", unreachable.Message);
    }

    [Fact]
    public async Task A_connection_needs_a_name_a_known_kind_and_an_absolute_http_endpoint_and_the_server_one_is_not_editable()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api);

        var invalid = await client.PostAsync("/api/connections", Json(new ProviderConnectionRequest(" ", "anthropic", "api.openai.com/v1")));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "name", "kind", "endpoint" }) Assert.True(errors.TryGetProperty(field, out _), $"No error for {field}: {errors}");

        var edit = await client.PutAsync("/api/connections/server", Json(new ProviderConnectionRequest("Mine", ProviderConnectionKind.OpenAI, "https://api.openai.com/v1")));
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Contains("not editable", await edit.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync("/api/connections/server")).StatusCode);
    }

    [Fact]
    public async Task Owners_edit_members_test_viewers_read_and_another_workspaces_connection_is_unknown_everywhere()
    {
        var (owner, member, viewer, outsider) = await TestAccounts.TeamAsync(Api);
        var workspace = owner.WorkspaceId;
        using var ownerClient = owner.Client(Api, workspace);
        using var memberClient = member.Client(Api, workspace);
        using var viewerClient = viewer.Client(Api, workspace);
        using var outsiderClient = outsider.Client(Api);
        var request = new ProviderConnectionRequest("Team", ProviderConnectionKind.Local, stack.ProviderEndpoint, "sk-team");
        var connection = await CreateAsync(ownerClient, request);
        var path = $"/api/connections/{connection.Id}";

        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.PostAsync("/api/connections", Json(request))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.PutAsync(path, Json(request))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberClient.DeleteAsync(path)).StatusCode);
        Assert.True((await TestAsync(memberClient, connection.Id)).Ok);

        Assert.Contains(connection.Id, await viewerClient.GetStringAsync("/api/connections"));
        Assert.Equal(HttpStatusCode.OK, (await viewerClient.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync($"{path}/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync("/api/connections/server/test", null)).StatusCode);

        foreach (var response in new[]
        {
            await outsiderClient.GetAsync(path),
            await outsiderClient.PutAsync(path, Json(request)),
            await outsiderClient.DeleteAsync(path),
            await outsiderClient.PostAsync($"{path}/test", null),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("", await response.Content.ReadAsStringAsync());
        }
        Assert.DoesNotContain(connection.Id, await outsiderClient.GetStringAsync("/api/connections"));
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderClient.GetAsync($"/api/models?connectionId={connection.Id}")).StatusCode);
        var chat = await outsiderClient.PostAsync("/api/playground/chat",
            Json(new PlaygroundChatRequest("gpt-4.1-mini", [new ChatTurn("user", "Hi")], ConnectionId: connection.Id)));
        Assert.Equal(HttpStatusCode.BadRequest, chat.StatusCode);

        // In a job request, another workspace's connection reads exactly like one that does not exist.
        var datasetId = (await ApiCalls.UploadSampleAsync(outsiderClient)).Id;
        var theirs = await outsiderClient.PostAsync("/api/jobs", Json(new CreateJobRequest(datasetId, "gpt-4.1-mini", ConnectionId: connection.Id)));
        var missing = await outsiderClient.PostAsync("/api/jobs", Json(new CreateJobRequest(datasetId, "gpt-4.1-mini", ConnectionId: "conn_0000000000000000")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, theirs.StatusCode);
        var theirsBody = await theirs.Content.ReadAsStringAsync();
        Assert.Contains("connectionId", theirsBody);
        Assert.Equal((await missing.Content.ReadAsStringAsync()).Replace("conn_0000000000000000", "ID"), theirsBody.Replace(connection.Id, "ID"));
    }

    [Fact]
    public async Task The_key_ring_is_encrypted_at_rest_and_its_certificate_stays_out_of_Redis()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Keeper");
        using var client = owner.Client(Api);
        await CreateAsync(client, new ProviderConnectionRequest(
            "Encrypted", ProviderConnectionKind.OpenAICompatible, stack.ProviderEndpoint, "sk-at-rest-" + Guid.NewGuid().ToString("N")));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var ring = await redis.GetDatabase().ListRangeAsync(KeyRing.ProviderSecrets.RedisKey);
        Assert.NotEmpty(ring);
        Assert.All(ring, element =>
        {
            // Data Protection writes a key's secret as <masterKey> only when no encryptor is set.
            Assert.Contains("<encryptedSecret", element.ToString());
            Assert.DoesNotContain("<masterKey", element.ToString());
        });

        var certificate = Path.Combine(stack.DataDirectory, KeyRingCertificate.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        // The ring names its certificate (public part) so a decryptor can find it; the private key stays in the file.
        using var loaded = X509CertificateLoader.LoadPkcs12FromFile(certificate, password: null);
        var privateKey = Convert.ToBase64String(loaded.GetRSAPrivateKey()!.ExportPkcs8PrivateKey());
        var dump = await RedisDump.AllValuesAsync(redis);
        Assert.DoesNotContain(privateKey.Substring(privateKey.Length / 2, 64), dump);
        foreach (var file in Directory.EnumerateFiles(stack.DataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("<masterKey", await File.ReadAllTextAsync(file));
        }
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value, FineTuneJson.Options), Encoding.UTF8, "application/json");

    private static async Task<ProviderConnection> CreateAsync(HttpClient client, ProviderConnectionRequest request)
    {
        var response = await client.PostAsync("/api/connections", Json(request));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
    }

    private static async Task<ConnectionTestResult> TestAsync(HttpClient client, string connectionId)
    {
        var response = await client.PostAsync($"/api/connections/{connectionId}/test", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConnectionTestResult>(FineTuneJson.Options))!;
    }
}
