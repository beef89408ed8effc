using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OpenAI.Models;

namespace FineTune.LocalProvider.Tests;

public sealed class FaultInjectionTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    // Every test leaves the shared server without faults.
    public async Task DisposeAsync() => (await server.Http.DeleteAsync("admin/faults")).EnsureSuccessStatusCode();

    [Fact]
    public async Task A_rate_limit_rule_answers_429_with_Retry_After_only_on_its_route_until_cleared()
    {
        await SetFaultsAsync(new { seed = 1, rules = new[] { new { path = "/v1/models*", kind = "rate_limit", retry_after = "00:00:07" } } });

        using (var limited = await server.Http.GetAsync("v1/models"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), limited.Headers.RetryAfter?.Delta);
            var error = (await LocalProviderServer.ReadJsonAsync(limited)).GetProperty("error");
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
            Assert.Equal("requests", error.GetProperty("type").GetString());
        }
        using (var other = await server.Http.GetAsync("v1/files"))
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        (await server.Http.DeleteAsync("admin/faults")).EnsureSuccessStatusCode();
        using var cleared = await server.Http.GetAsync("v1/models/gpt-4o-mini");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
    }

    [Fact]
    public async Task A_server_error_rule_answers_500_only_for_its_method()
    {
        await SetFaultsAsync(new { rules = new[] { new { path = "/v1/fine_tuning/jobs*", method = "POST", kind = "server_error" } } });

        var (status, json) = await server.PostAsync("v1/fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = "file-x" });
        Assert.Equal(500, status);
        Assert.Equal("server_error", json.GetProperty("error").GetProperty("type").GetString());

        using var list = await server.Http.GetAsync("v1/fine_tuning/jobs");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task A_delay_rule_holds_the_answer_back_and_then_answers_normally()
    {
        await SetFaultsAsync(new { rules = new[] { new { path = "/v1/models/*", kind = "delay", delay = "00:00:00.600" } } });

        var clock = Stopwatch.StartNew();
        using var response = await server.Http.GetAsync("v1/models/gpt-4o-mini");
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o-mini", (await LocalProviderServer.ReadJsonAsync(response)).GetProperty("id").GetString());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(590), $"Answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task An_abort_rule_drops_the_connection()
    {
        await SetFaultsAsync(new { rules = new[] { new { path = "/v1/files", kind = "abort" } } });

        await Assert.ThrowsAsync<HttpRequestException>(() => server.Http.GetAsync("v1/files"));

        using var unaffected = await server.Http.GetAsync("v1/files/file-missing");
        Assert.Equal(HttpStatusCode.NotFound, unaffected.StatusCode);
    }

    [Fact]
    public async Task A_share_of_requests_fails_and_the_same_seed_fails_the_same_ones()
    {
        var rules = new { seed = 42, rules = new[] { new { path = "/v1/models", kind = "server_error", rate = 0.5 } } };
        await SetFaultsAsync(rules);
        var first = await OutcomesAsync(40);
        await SetFaultsAsync(rules);
        var second = await OutcomesAsync(40);
        await SetFaultsAsync(new { seed = 43, rules = rules.rules });
        var otherSeed = await OutcomesAsync(40);

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
        Assert.InRange(first.Count(failed => failed), 8, 32);

        var state = await server.GetJsonAsync("admin/faults");
        var rule = state.GetProperty("rules")[0];
        Assert.Equal(40, rule.GetProperty("matched").GetInt32());
        Assert.Equal(otherSeed.Count(failed => failed), rule.GetProperty("fired").GetInt32());
    }

    [Fact]
    public async Task A_limited_rule_fires_a_set_number_of_times_and_the_SDK_retries_through_it()
    {
        await SetFaultsAsync(new { rules = new[] { new { path = "/v1/models/*", kind = "rate_limit", times = 2, retry_after = "00:00:00.200" } } });

        OpenAIModel model = await server.OpenAI.GetOpenAIModelClient().GetModelAsync("gpt-4.1-nano");

        Assert.Equal("gpt-4.1-nano", model.Id);
        var rule = (await server.GetJsonAsync("admin/faults")).GetProperty("rules")[0];
        Assert.Equal(2, rule.GetProperty("fired").GetInt32());
        Assert.Equal(3, rule.GetProperty("matched").GetInt32());
    }

    [Fact]
    public async Task An_invalid_rule_is_refused()
    {
        using var response = await server.Http.PostAsync("admin/faults",
            LocalProviderServer.JsonContent(new { rules = new[] { new { path = "/v1/models", kind = "explode" } } }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("kind", (await LocalProviderServer.ReadJsonAsync(response)).GetProperty("error").GetProperty("message").GetString());
    }

    private async Task SetFaultsAsync(object rules)
    {
        using var response = await server.Http.PostAsync("admin/faults", LocalProviderServer.JsonContent(rules));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<List<bool>> OutcomesAsync(int count)
    {
        var failed = new List<bool>();
        for (var i = 0; i < count; i++)
        {
            using var response = await server.Http.GetAsync("v1/models");
            failed.Add(response.StatusCode == HttpStatusCode.InternalServerError);
        }
        return failed;
    }
}

public sealed class ConfiguredFaultTests
{
    [Fact]
    public async Task Faults_from_configuration_apply_from_the_first_request()
    {
        using var server = new ConfiguredLocalProviderServer(null, new Dictionary<string, string?>
        {
            ["LocalProvider:Faults:Seed"] = "5",
            ["LocalProvider:Faults:Rules:0:Path"] = "/v1/fine_tuning/*",
            ["LocalProvider:Faults:Rules:0:Kind"] = "rate_limit",
            ["LocalProvider:Faults:Rules:0:RetryAfter"] = "00:00:03",
        });

        using var limited = await server.Http.GetAsync("v1/fine_tuning/jobs");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), limited.Headers.RetryAfter?.Delta);
        var state = await server.GetJsonAsync("admin/faults");
        Assert.Equal(5, state.GetProperty("seed").GetInt32());
        Assert.Equal(JsonValueKind.Array, state.GetProperty("rules").ValueKind);
    }
}
