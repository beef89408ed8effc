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

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 12; i++) statuses.Add(await busyClient.GetAsync("/api/me"));

        var refused = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 5, 7); // 5 in the burst, at most one or two refilled meanwhile
        Assert.True(refused[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("Too many requests", await refused[0].Content.ReadAsStringAsync());
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
