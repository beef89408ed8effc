using System.Net;
using System.Text;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// An Api with a small request budget per token, so the limit is reached in a few requests.
public sealed class RateLimitedStack : FineTuneStack<GarnetRedisServer>
{
    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>
    {
        ["FineTune__RateLimit__PermitsPerSecond"] = "1",
        ["FineTune__RateLimit__Burst"] = "5",
    };
}

public sealed class RequestLimitTests(RateLimitedStack stack) : IClassFixture<RateLimitedStack>
{
    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task A_token_over_its_budget_gets_429_with_retry_after_while_another_token_is_served()
    {
        var busy = await TestAccounts.RegisterAsync(Api, "Busy");
        var calm = await TestAccounts.RegisterAsync(Api, "Calm");
        using var busyClient = busy.Client(Api);
        using var calmClient = calm.Client(Api);

        // The bucket holds 5 and refills 1 a second: however slow the machine, the burst is served and a
        // request beyond what the elapsed seconds refilled is refused.
        var served = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await busyClient.GetAsync("/api/me")).StatusCode == HttpStatusCode.OK && served < 1000) served++;
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds) + 1;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.InRange(served, 5, 5 + refilled);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("Too many requests", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await calmClient.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_json_body_over_a_megabyte_is_refused_with_413_while_a_dataset_upload_may_be_larger()
    {
        using var api = stack.CreateApiClient();

        var huge = new StringContent("{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await api.PostAsync("/api/workspaces", huge)).StatusCode);

        var line = """{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}""" + "\n";
        var dataset = new StringContent(string.Concat(Enumerable.Repeat(line, 2 * 1024 * 1024 / line.Length + 1)), Encoding.UTF8, "application/jsonl");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync("/api/datasets?name=big.jsonl", dataset)).StatusCode);
    }
}
