import ConsultServer
import HTTPTypes
import Testing

/// Who a request is from, behind reverse proxies: the peer, or the right-most forwarded
/// address that is not itself a trusted proxy.
@Suite struct ClientAddressTests {
    static let proxies = try! TrustedProxies(parsing: ["10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.1"])

    static func client(peer: String, _ fields: [(String, String)]) -> String {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return "\(ClientAddress.of(peer: IPAddress(peer)!, headers: headers, trusting: proxies))"
    }

    @Test func anUntrustedPeersForwardingHeadersAreIgnored() {
        #expect(Self.client(peer: "198.51.100.7", [("X-Forwarded-For", "203.0.113.5")]) == "198.51.100.7")
        #expect(Self.client(peer: "198.51.100.7", [("Forwarded", "for=203.0.113.5")]) == "198.51.100.7")
        #expect(Self.client(peer: "11.0.0.1", [("X-Forwarded-For", "203.0.113.5")]) == "11.0.0.1")
        let forwarded: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.5"]
        #expect(ClientAddress.of(peer: IPAddress("10.0.0.1")!, headers: forwarded, trusting: .none).description == "10.0.0.1")
    }

    @Test func theClientIsTheRightMostForwardedAddressThatIsNotATrustedProxy() {
        // The left entries are the client's own word; only what the proxies appended counts.
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "1.1.1.1, 203.0.113.5, 10.0.0.2")]) == "203.0.113.5")
        #expect(Self.client(peer: "192.0.2.1", [("X-Forwarded-For", "203.0.113.5")]) == "203.0.113.5")
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "203.0.113.5,10.9.9.9")])
            == "203.0.113.5")
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "2001:db8::7, 10.0.0.3")]) == "2001:db8::7")
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "203.0.113.5:51234")]) == "203.0.113.5")
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "[2001:db8::7]:443")]) == "2001:db8::7")
        // A chain of trusted proxies only: the farthest of them.
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "10.0.0.3, 10.0.0.2")]) == "10.0.0.3")
        #expect(Self.client(peer: "10.0.0.1", []) == "10.0.0.1")
    }

    @Test func rfc7239ForwardedGivesTheForParameterWithQuotedIPv6AndPorts() {
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", "for=192.0.2.60;proto=https;by=10.0.0.1")]) == "192.0.2.60")
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", #"For="[2001:db8:cafe::17]:4711""#)]) == "2001:db8:cafe::17")
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", #"for="[2001:db8:cafe::17]""#)]) == "2001:db8:cafe::17")
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", #"for="192.0.2.43:8080", for=198.51.100.17;proto=https"#)])
            == "198.51.100.17")
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", #"proto=https; for = "198.51.100.17" , for=10.0.0.2"#)])
            == "198.51.100.17")
        // X-Forwarded-For wins: a client's own Forwarded passes unchanged through a proxy that sets X-Forwarded-For.
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", "for=1.1.1.1"), ("X-Forwarded-For", "203.0.113.5")])
            == "203.0.113.5")
    }

    @Test func garbageStopsTheReadingAtTheLastTrustedHop() {
        for garbage in [
            "", "unknown", "not-an-address", "1.2.3", "1.2.3.4.5", "203.0.113.5:port", "203.0.113.5:123456",
            "[2001:db8::1", "2001:db8::1]:80", "[203.0.113.5]", "300.1.1.1", "::ffff:1.2.3", "fe80::1%eth0",
            String(repeating: "9", count: 400), "203.0.113.5/24",
        ] {
            #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", garbage)]) == "10.0.0.1", "\(garbage)")
            #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "\(garbage), 10.0.0.2")]) == "10.0.0.2", "\(garbage)")
            #expect(Self.client(peer: "10.0.0.1", [("Forwarded", "for=\(garbage)")]) == "10.0.0.1", "\(garbage)")
        }
        for forwarded in [
            "for=unknown", "for=_hidden", #"for=""#, #"for="[2001:db8::1]"#, "by=203.0.113.5", "for", ";;;,,,", "for=\"\"",
            #"for="[2001:db8::1]:x""#, "proto=https",
        ] {
            #expect(Self.client(peer: "10.0.0.1", [("Forwarded", forwarded)]) == "10.0.0.1", "\(forwarded)")
        }
        // Garbage left of the client's address is the client's own word and changes nothing.
        #expect(Self.client(peer: "10.0.0.1", [("X-Forwarded-For", "garbage, ,203.0.113.5")]) == "203.0.113.5")
        #expect(Self.client(peer: "10.0.0.1", [("Forwarded", #"for="garbage, for=203.0.113.5"#)]) == "203.0.113.5")
    }

    @Test func ipv6ClientsAreGroupedByTheirSlash64() {
        let one = ClientAddress(IPAddress("2001:db8:1:2:aaaa::1")!), other = ClientAddress(IPAddress("2001:DB8:1:2:ffff:1:2:3")!)
        #expect(one.group == "2001:db8:1:2::/64")
        #expect(one.group == other.group)
        #expect(ClientAddress(IPAddress("2001:db8:1:3::1")!).group == "2001:db8:1:3::/64")
        #expect(ClientAddress(IPAddress("203.0.113.5")!).group == "203.0.113.5")
        // How a dual-stack socket shows an IPv4 peer is that IPv4 address.
        #expect(ClientAddress(IPAddress("::ffff:203.0.113.5")!).group == "203.0.113.5")
        #expect(Self.client(peer: "::ffff:10.0.0.1", [("X-Forwarded-For", "203.0.113.5")]) == "203.0.113.5")
    }

    @Test func trustedProxiesAreAddressesOrCIDRRanges() throws {
        let proxies = try TrustedProxies(parsing: ["127.0.0.1", " 10.0.0.0/8", "2001:db8::/32", "172.16.5.4/12"])
        #expect(proxies.contains(IPAddress("127.0.0.1")!))
        #expect(!proxies.contains(IPAddress("127.0.0.2")!))
        #expect(proxies.contains(IPAddress("10.255.0.1")!))
        #expect(!proxies.contains(IPAddress("11.0.0.1")!))
        #expect(proxies.contains(IPAddress("2001:db8:abcd::1")!))
        #expect(!proxies.contains(IPAddress("2001:db9::1")!))
        #expect(proxies.contains(IPAddress("172.31.0.1")!))
        for wrong in ["", "localhost", "10.0.0.0/33", "10.0.0.0/", "/8", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/8/8", "1.2.3.4 5"] {
            #expect(throws: DeploymentError.self, "\(wrong)") { try TrustedProxies(parsing: ["127.0.0.1", wrong]) }
        }
        #expect(throws: DeploymentError.self) { try TrustedProxies(parsing: ["10.0.0.0/33"]) }
    }

    @Test func thePublicURLIsAnHTTPOrHTTPSOriginWithoutPathOrQuery() throws {
        #expect(try PublicOrigin(validating: "https://consult.example.org/").url == "https://consult.example.org")
        #expect(try PublicOrigin(validating: "HTTPS://consult.example.org").isHTTPS)
        #expect(try PublicOrigin(validating: "https://consult.example.org:8443").link("/s/x") == "https://consult.example.org:8443/s/x")
        #expect(try PublicOrigin(validating: "https://[2001:db8::1]:8443").url == "https://[2001:db8::1]:8443")
        #expect(try !PublicOrigin(validating: "http://127.0.0.1:8080").isHTTPS)
        for wrong in [
            "", "consult.example.org", "//consult.example.org", "ftp://consult.example.org", "https://",
            "https://consult.example.org/?a=1", "https://consult.example.org#top", "https://consult.example.org/consult",
            "https://user@consult.example.org", "https://consult.example.org:99999", "https://consult.example.org:",
            "https://consult example.org", "javascript://x", "https://consult.example.org\n",
        ] {
            #expect(throws: DeploymentError.self, "\(wrong)") { try PublicOrigin(validating: wrong) }
        }
    }
}
