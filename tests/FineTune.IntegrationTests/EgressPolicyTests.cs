using System.Net;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// The egress policy on its own: which addresses are public, what the allow-list says, and the guarded
// client's connections to real servers on loopback, which must see no connection when one is refused.
public sealed class EgressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00::2")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    public void Loopback_private_link_local_and_other_internal_addresses_are_not_public(string address) =>
        Assert.True(NonPublicAddresses.Contains(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("169.255.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_public(string address) =>
        Assert.False(NonPublicAddresses.Contains(IPAddress.Parse(address)), address);

    [Fact]
    public void The_allow_list_takes_hosts_host_port_pairs_addresses_and_networks()
    {
        var allowList = EgressAllowList.Parse(" models.internal , localhost:5082,10.1.2.3,10.1.2.4:8000, [fd00::5]:8000, 192.168.10.0/24,fd12::/16 ");

        Assert.True(allowList.AllowsName("models.internal", 443));
        Assert.True(allowList.AllowsName("MODELS.internal", 80));
        Assert.True(allowList.AllowsName("localhost", 5082));
        Assert.False(allowList.AllowsName("localhost", 5083));
        Assert.False(allowList.AllowsName("other.internal", 443));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("10.1.2.3"), 22));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("::ffff:10.1.2.3"), 22));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("10.1.2.4"), 8000));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("10.1.2.4"), 8001));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("fd00::5"), 8000));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("fd00::5"), 80));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("192.168.10.77"), 80));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("192.168.11.1"), 80));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("fd12:3::1"), 80));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("127.0.0.1"), 5082));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/x")]
    [InlineData("localhost:0")]
    [InlineData("localhost:http")]
    [InlineData("http://models.internal")]
    [InlineData("models internal")]
    public void A_wrong_allow_list_entry_fails_the_start_naming_the_setting_and_the_entry(string entry)
    {
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var options = new EgressOptions { AllowedHosts = $"10.0.0.0/8,{entry}" };

        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true));
        Assert.Contains("FineTune:Egress:AllowedHosts", errors.Single().ErrorMessage);
        Assert.Contains($"\"{entry}\"", errors.Single().ErrorMessage);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.0.1")]
    [InlineData("169.254.169.254")]
    public async Task A_non_public_address_is_refused_before_anything_is_sent(string host)
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var policy = new EgressPolicy(EgressAllowList.Parse($"127.0.0.1:{Repository.FreeTcpPort()}"));
        using var http = new GuardedHttpClient(policy);
        var url = new Uri($"http://{host}:{target.Port}/latest/meta-data");

        Assert.False(await policy.AllowsAsync(url, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));
        Assert.NotNull(EgressRefusedException.Find(refused));
        Assert.Equal(0, target.Connections);
    }

    [Fact]
    public async Task A_name_that_resolves_public_when_checked_and_to_loopback_when_used_is_refused_when_connecting()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var answers = new Queue<IPAddress>([IPAddress.Parse("93.184.215.14"), IPAddress.Loopback]);
        var policy = new EgressPolicy(EgressAllowList.Parse(""), (_, _) => Task.FromResult(new[] { answers.Dequeue() }));
        using var http = new GuardedHttpClient(policy);
        var url = new Uri($"http://rebinding.example:{target.Port}/");

        Assert.True(await policy.AllowsAsync(url, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));
        Assert.NotNull(EgressRefusedException.Find(refused));
        Assert.Empty(answers);
        Assert.Equal(0, target.Connections);
    }

    [Theory]
    [InlineData("127.0.0.1:{0}", "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.0/8", "127.0.0.1")]
    [InlineData("localhost:{0}", "localhost")]
    [InlineData("::1", "[::1]")]
    public async Task An_allow_listed_address_is_connected_to(string entry, string host)
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var policy = new EgressPolicy(EgressAllowList.Parse(string.Format(CultureInfo.InvariantCulture, entry, target.Port)));
        using var http = new GuardedHttpClient(policy);
        var url = new Uri($"http://{host}:{target.Port}/");

        Assert.True(await policy.AllowsAsync(url, CancellationToken.None));
        Assert.Equal("{}", await http.GetStringAsync(url));
        Assert.Equal(1, target.Connections);
    }

    [Fact]
    public async Task A_redirect_from_an_allowed_address_to_a_refused_one_is_not_followed()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        await using var redirector = await LoopbackHttpServer.StartAsync(context =>
        {
            context.Response.Redirect($"http://127.0.0.1:{target.Port}/latest/meta-data");
            return Task.CompletedTask;
        });
        using var http = new GuardedHttpClient(new EgressPolicy(EgressAllowList.Parse($"127.0.0.1:{redirector.Port}")));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(redirector.Url("/")));
        Assert.NotNull(EgressRefusedException.Find(refused));
        Assert.Equal(1, redirector.Connections);
        Assert.Equal(0, target.Connections);
    }
}
