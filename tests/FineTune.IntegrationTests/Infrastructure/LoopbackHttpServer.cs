using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace FineTune.IntegrationTests.Infrastructure;

// A real HTTP server on one port, reached at 127.0.0.1 and [::1] alike, that counts the connections made to it, so a test
// can prove that nothing reached it, not even a connection without a request, and the requests. It answers
// with handle, or 200 and "{}".
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;
    private int _requests;

    private LoopbackHttpServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate? handle = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        LoopbackHttpServer? server = null;
        void Counted(ListenOptions listen) => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref server!._connections);
            return next(connection);
        });
        // Port 0 on the dual-stack any-address: one port the system chose, for IPv4 and IPv6 both, read back
        // once started (two loopback listeners could not share a port chosen so).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.IPv6Any, 0, Counted));
        var app = builder.Build();
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref server!._requests);
            return next(context);
        });
        app.Run(handle ?? (context => context.Response.WriteAsync("{}")));
        await app.StartAsync();
        // No one knows the port before the start, so no connection comes before the server is made.
        server = new LoopbackHttpServer(app, new Uri(app.Urls.Single()).Port);
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
