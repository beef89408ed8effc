using FineTune.Tests;

namespace FineTune.IntegrationTests.Infrastructure;

// LocalProvider, Api, Worker and Web as processes, with single sign-on through the test provider.
public sealed class WebStack : FineTuneStack<GarnetRedisServer>
{
    public TestIdentityProvider Provider { get; } = new();
    public ServiceProcess Web { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Web = await StartAsync("FineTune.Web", new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["FineTune__DataDirectory"] = DataDirectory,
            ["services__api__http__0"] = Api.BaseAddress.ToString().TrimEnd('/'),
            ["FineTune__Oidc__Authority"] = Provider.Issuer,
            ["FineTune__Oidc__ClientId"] = TestIdentityProvider.ClientId,
            ["FineTune__Oidc__ClientSecret"] = TestIdentityProvider.ClientSecret,
            ["FineTune__Oidc__DisplayName"] = "Test IdP",
            ["FineTune__Oidc__RequireHttpsMetadata"] = "false",
        });
    }

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>
    {
        ["FineTune__Oidc__Authority"] = Provider.Issuer,
        ["FineTune__Oidc__ClientId"] = TestIdentityProvider.ClientId,
        ["FineTune__Oidc__RequireHttpsMetadata"] = "false",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
