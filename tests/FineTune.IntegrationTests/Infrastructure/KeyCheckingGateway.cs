using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FineTune.IntegrationTests.Infrastructure;

// A provider that checks keys, as OpenAI does: a real HTTP server in front of the LocalProvider (which
// takes any key) that answers 401 to a wrong bearer key and forwards everything else. It records what
// it forwarded, so a test sees which calls, from which process, reached the provider with the key.
public sealed class KeyCheckingGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentQueue<string> _forwarded = new();
    private readonly ConcurrentQueue<string> _organizations = new();

    private KeyCheckingGateway(WebApplication app, HttpClient upstream, Uri endpoint)
    {
        _app = app;
        _upstream = upstream;
        Endpoint = endpoint;
    }

    // Like the LocalProvider's: includes /v1.
    public Uri Endpoint { get; }

    // "METHOD /path" of each request that had the right key.
    public IReadOnlyCollection<string> Forwarded => _forwarded;

    // The OpenAI-Organization header of each of them.
    public IReadOnlyCollection<string> Organizations => _organizations;

    public static async Task<KeyCheckingGateway> StartAsync(Uri upstream, string requiredKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        // No one knows the address before the start, so no request comes before the gateway is made.
        KeyCheckingGateway? gateway = null;
        app.Run(context => gateway!.HandleAsync(context, requiredKey));
        await app.StartAsync();
        gateway = new KeyCheckingGateway(app, new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(60) },
            new Uri($"{app.Urls.Single()}/v1"));
        return gateway;
    }

    private async Task HandleAsync(HttpContext context, string requiredKey)
    {
        var request = context.Request;
        if (request.Headers.Authorization.ToString() != $"Bearer {requiredKey}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new
            {
                error = new { message = "Incorrect API key provided.", type = "invalid_request_error", code = "invalid_api_key" },
            });
            return;
        }
        _forwarded.Enqueue($"{request.Method} {request.Path}");
        _organizations.Enqueue(request.Headers["OpenAI-Organization"].ToString());

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method))
        {
            forward.Content = new StreamContent(request.Body);
            if (request.ContentType is { } contentType) forward.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        foreach (var header in new[] { "Authorization", "Accept", "Idempotency-Key", "OpenAI-Organization", "OpenAI-Project" })
        {
            if (request.Headers.TryGetValue(header, out var value)) forward.Headers.TryAddWithoutValidation(header, value.ToString());
        }
        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } responseType) context.Response.ContentType = responseType.ToString();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
