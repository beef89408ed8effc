using System.Net;

namespace FineTune.Data;

// The addresses that are not on the public internet: this machine, the networks it sits in, and the
// cloud's metadata service. FineTune does not connect to them for a user unless the operator allows it
// (EgressPolicy), so a provider connection or a webhook cannot be used to probe or call them.
public static class NonPublicAddresses
{
    private static readonly IPNetwork[] Networks =
    [
        IPNetwork.Parse("0.0.0.0/8"),       // "this network", including the unspecified 0.0.0.0
        IPNetwork.Parse("10.0.0.0/8"),      // private (RFC 1918)
        IPNetwork.Parse("100.64.0.0/10"),   // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),     // loopback
        IPNetwork.Parse("169.254.0.0/16"),  // link-local, including the metadata service at 169.254.169.254
        IPNetwork.Parse("172.16.0.0/12"),   // private (RFC 1918)
        IPNetwork.Parse("192.168.0.0/16"),  // private (RFC 1918)
        IPNetwork.Parse("224.0.0.0/4"),     // multicast
        IPNetwork.Parse("240.0.0.0/4"),     // reserved, including the broadcast 255.255.255.255
        IPNetwork.Parse("::/96"),           // unspecified ::, loopback ::1, and the deprecated IPv4-compatible ::a.b.c.d
        IPNetwork.Parse("fc00::/7"),        // unique-local
        IPNetwork.Parse("fe80::/10"),       // link-local
        IPNetwork.Parse("fec0::/10"),       // site-local (deprecated, still routed by some networks)
        IPNetwork.Parse("ff00::/8"),        // multicast
    ];

    // NAT64 gateways translate 64:ff9b::a.b.c.d to the IPv4 address a.b.c.d.
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    public static bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return Contains(address.MapToIPv4());
        if (Nat64.Contains(address)) return Contains(new IPAddress(address.GetAddressBytes()[12..]));
        return Networks.Any(network => network.Contains(address));
    }
}
