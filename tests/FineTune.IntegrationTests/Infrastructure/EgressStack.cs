using Microsoft.AspNetCore.Http;

namespace FineTune.IntegrationTests.Infrastructure;

// A stack whose operator allows one loopback address besides public ones: its Redirector's. The Redirector
// answers 200 "{}", and a request for /redirect/PORT/REST with a 307 to http://127.0.0.1:PORT/REST.
public sealed class EgressStack : FineTuneStack<GarnetRedisServer>
{
    public LoopbackHttpServer Redirector { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Redirector = await LoopbackHttpServer.StartAsync(Redirect);
        await base.InitializeAsync();
    }

    protected override string EgressAllowedHosts => $"127.0.0.1:{Redirector.Port}";

    private static Task Redirect(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Split('/', 4);
        if (segments is not ["", "redirect", var port, var rest]) return context.Response.WriteAsync("{}");
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = $"http://127.0.0.1:{port}/{rest}";
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Redirector.DisposeAsync();
    }
}
