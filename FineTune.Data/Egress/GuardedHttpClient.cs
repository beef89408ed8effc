namespace FineTune.Data;

// The one HttpClient for addresses users give: their provider connections (jobs, tests, the playground,
// models) and their webhooks. Each connection it opens, a redirect's included, is checked by the
// EgressPolicy. HTTP/3 would bypass the check (QUIC does not use the connect callback) and is never asked
// for: requests go out as HTTP/1.1 or HTTP/2, over connections the callback opened.
public sealed class GuardedHttpClient : HttpClient
{
    public GuardedHttpClient(EgressPolicy policy) : base(new SocketsHttpHandler
    {
        ConnectCallback = policy.ConnectAsync,
        // Through a proxy, the proxy would be what is connected to and checked, not the destination.
        UseProxy = false,
        // New connections, so new checks, as addresses change.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        // Each caller keeps its own deadline: the OpenAI SDK its NetworkTimeout, the webhook sender its attempt timeout.
        Timeout = System.Threading.Timeout.InfiniteTimeSpan;
    }
}
