using System.Globalization;
using System.Net;

namespace FineTune.Data;

// The destinations the server's operator allows although they are not public (FineTune:Egress:AllowedHosts),
// comma-separated: a host name or address ("models.internal", "10.1.2.3", "[fd00::5]"), the same with a
// port ("localhost:5082", "10.1.2.3:8000", "[fd00::5]:8000"), or a network in CIDR form ("10.20.0.0/16").
// A name is matched as the URL spells it; an address or network is matched against what the name resolves to.
public sealed class EgressAllowList
{
    private readonly List<(string Host, int? Port)> _names = [];
    private readonly List<(IPAddress Address, int? Port)> _addresses = [];
    private readonly List<IPNetwork> _networks = [];

    // Throws FormatException naming the first entry that is none of the above.
    public static EgressAllowList Parse(string? setting)
    {
        var allowList = new EgressAllowList();
        foreach (var entry in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                if (!IPNetwork.TryParse(entry, out var network)) throw NotAnEntry(entry);
                allowList._networks.Add(network);
            }
            else if (IPEndPoint.TryParse(entry, out var endPoint))
            {
                allowList._addresses.Add((Unmapped(endPoint.Address), endPoint.Port == 0 ? null : endPoint.Port));
            }
            else
            {
                var colon = entry.LastIndexOf(':');
                var host = colon < 0 ? entry : entry[..colon];
                int? port = null;
                if (colon >= 0)
                {
                    if (!int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                        throw NotAnEntry(entry);
                    port = number;
                }
                if (Uri.CheckHostName(host) != UriHostNameType.Dns) throw NotAnEntry(entry);
                allowList._names.Add((host, port));
            }
        }
        return allowList;
    }

    public bool AllowsName(string host, int port) =>
        _names.Any(name => string.Equals(name.Host, host, StringComparison.OrdinalIgnoreCase) && (name.Port ?? port) == port);

    public bool AllowsAddress(IPAddress address, int port)
    {
        address = Unmapped(address);
        return _addresses.Any(allowed => allowed.Address.Equals(address) && (allowed.Port ?? port) == port)
            || _networks.Any(network => network.Contains(address));
    }

    // ::ffff:10.1.2.3 is 10.1.2.3, whichever way the entry or the resolver writes it.
    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static FormatException NotAnEntry(string entry) => new(
        $"{EgressOptions.Section}:AllowedHosts: \"{entry}\" is not a host, host:port or CIDR network (e.g. models.internal, localhost:5082, 10.20.0.0/16).");
}
