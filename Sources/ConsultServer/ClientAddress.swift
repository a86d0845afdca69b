import Foundation
import HTTPTypes

/// Who sent a request: the connection's peer, or, when the peer is a trusted reverse proxy,
/// the client that proxy forwarded for. The rate limit counts requests by its `group`.
public struct ClientAddress: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress

    public init(_ address: IPAddress) {
        self.address = address
    }

    /// The client of a request from `peer` with `headers`. A peer that is not a trusted proxy
    /// is the client, whatever its headers say. Behind trusted proxies the forwarded chain is
    /// read from the right: the first address that is not itself a trusted proxy is the client
    /// (the entries left of it are the client's own word, which anyone can forge). An entry that
    /// is no address stops the reading at the last trusted hop, which is then the client.
    public static func of(peer: IPAddress, headers: HTTPFields, trusting proxies: TrustedProxies) -> ClientAddress {
        guard proxies.contains(peer) else { return ClientAddress(peer) }
        var client = peer
        for hop in ForwardedChain.hops(in: headers).reversed() {
            guard let hop else { break }
            client = hop
            if !proxies.contains(hop) { break }
        }
        return ClientAddress(client)
    }

    /// What the rate limit counts by: the IPv4 address, or the /64 network of an IPv6 address
    /// (one subscriber's usual allocation, inside which a client may pick addresses at will).
    public var group: String {
        address.isIPv6 ? "\(address.masked(to: 64))/64" : "\(address)"
    }

    public var description: String { "\(address)" }
}

/// The reverse proxies whose `X-Forwarded-For` and `Forwarded` headers are believed: addresses
/// or CIDR ranges. With none, every request's client is its peer.
public struct TrustedProxies: Sendable {
    public let ranges: [AddressRange]

    public static let none = TrustedProxies(ranges: [])

    public init(ranges: [AddressRange]) {
        self.ranges = ranges
    }

    /// Reads addresses and CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`), naming the
    /// first entry that is neither.
    public init(parsing entries: [String]) throws {
        ranges = try entries.map { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let range = AddressRange(trimmed) else {
                throw DeploymentError(
                    "\"\(entry)\" is not an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32.")
            }
            return range
        }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }
}
