using System.Net;
using System.Net.Sockets;

namespace FineTune.Data;

// Resolves a host name to its addresses; Dns.GetHostAddressesAsync unless a test stands in.
public delegate Task<IPAddress[]> HostResolver(string host, CancellationToken cancellationToken);

// Where FineTune may connect for a user: a public address, or one the operator allow-lists. The check is
// made on the addresses a connection is actually opened to (ConnectAsync, GuardedHttpClient's connect
// callback), so a name that resolves to a public address when saved and to a private one when used, or
// a redirect to a private address, is refused before anything is sent. Saving a connection or a webhook
// asks AllowsAsync first, so the user learns it at once.
public sealed class EgressPolicy(EgressAllowList allowList, HostResolver? resolve = null)
{
    public const string NotAllowed =
        $"The address is not allowed: FineTune does not connect to loopback, private, link-local or other non-public addresses for a workspace. "
        + $"The server's operator can allow a host with the {EgressOptions.Section}:AllowedHosts setting (host, host:port or CIDR, comma-separated).";

    private readonly HostResolver _resolve = resolve ?? Dns.GetHostAddressesAsync;

    // A name that does not resolve now may still be saved: the check when connecting decides.
    public async Task<bool> AllowsAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            return (await PermittedAddressesAsync(url.IdnHost, url.Port, cancellationToken)).Length > 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    // SocketsHttpHandler.ConnectCallback: every connection of GuardedHttpClient, each redirect's included.
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = await PermittedAddressesAsync(host, port, cancellationToken);
        if (addresses.Length == 0) throw new EgressRefusedException();

        // Connected to the addresses just checked, never to a name resolved again.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Everything the host resolves to when the allow-list names it; else its public and allow-listed addresses.
    private async Task<IPAddress[]> PermittedAddressesAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await _resolve(host, cancellationToken);
        if (allowList.AllowsName(host, port)) return addresses;
        return [.. addresses.Where(address => !NonPublicAddresses.Contains(address) || allowList.AllowsAddress(address, port))];
    }
}

// Thrown by the connect callback when no address of the host may be connected to; nothing was sent.
public sealed class EgressRefusedException() : Exception(EgressPolicy.NotAllowed)
{
    // The refusal inside what an HTTP client or the OpenAI SDK threw, if that is why the call failed.
    public static EgressRefusedException? Find(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is EgressRefusedException refused) return refused;
        }
        return null;
    }
}
