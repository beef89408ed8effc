using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// A misconfigured service does not start half-working: it stops at start, and its output names the
// setting to fix. Options are validated before anything connects, so no Redis is needed to see it.
public sealed class SettingsTests
{
    [Theory]
    [InlineData("FineTune.Api", "FineTune__RateLimit__PermitsPerSecond", "0", "FineTune:RateLimit:PermitsPerSecond")]
    [InlineData("FineTune.Api", "FineTune__Accounts__SessionLifetime", "-1.00:00:00", "FineTune:Accounts:SessionLifetime")]
    [InlineData("FineTune.Api", "FineTune__Provider__Endpoint", "api.openai.com/v1", "FineTune:Provider:Endpoint")]
    [InlineData("FineTune.Worker", "FineTune__Worker__PollInterval", "00:00:00", "FineTune:Worker:PollInterval")]
    [InlineData("FineTune.Worker", "FineTune__Provider__Endpoint", "api.openai.com/v1", "FineTune:Provider:Endpoint")]
    public async Task A_bad_setting_stops_the_service_at_start_with_the_settings_name(string project, string variable, string value, string setting)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(project, new Dictionary<string, string>
        {
            // Nothing listens there: the service must stop before it would need Redis.
            ["ConnectionStrings__redis"] = $"127.0.0.1:{Repository.FreeTcpPort()},abortConnect=false",
            [variable] = value,
        }));

        Assert.StartsWith($"{project} exited with", error.Message);
        Assert.Contains(setting, error.Message);
    }
}
