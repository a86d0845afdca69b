import HTTPTypes

/// The addresses a request was forwarded for, as reverse proxies record them, first hop on
/// the left and the nearest on the right: from `X-Forwarded-For` when the request has one,
/// else from the `for=` parameters of RFC 7239 `Forwarded`. An entry that is not an address
/// (`unknown`, an obfuscated name, anything malformed) is nil.
///
/// `X-Forwarded-For` wins because nginx, Caddy, HAProxy and Apache all set it, while a
/// client's own `Forwarded` header would pass through such a proxy unchanged.
enum ForwardedChain {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!
    /// More hops than any real chain of proxies; a longer header is not read further.
    static let longest = 64

    static func hops(in headers: HTTPFields) -> [IPAddress?] {
        let forwardedFor = headers[values: Self.forwardedFor]
        if !forwardedFor.isEmpty {
            return forwardedFor.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
                .suffix(longest).map { node($0.trimmingOWS) }
        }
        return headers[values: Self.forwarded].joined(separator: ",")
            .split(separator: ",", omittingEmptySubsequences: false).suffix(longest).map(forwardedForNode)
    }

    /// The address of one `Forwarded` element's `for=` parameter (`for=192.0.2.60;proto=https`,
    /// `for="[2001:db8:cafe::17]:4711"`). Values are split without reading quoted commas or
    /// semicolons: no address holds one, and a stray quote then spoils only its own element.
    static func forwardedForNode(_ element: Substring) -> IPAddress? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].trimmingOWS.lowercased() == "for" else { continue }
            var value = parts[1].trimmingOWS
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { return nil }
                value = value.dropFirst().dropLast()
            }
            return node(value)
        }
        return nil
    }

    /// A node as proxies write it: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`,
    /// `[2001:db8::1]` or `[2001:db8::1]:443`. The port is checked and dropped.
    static func node(_ text: Substring) -> IPAddress? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && isPort(rest.dropFirst())),
                let address = IPAddress(text[text.index(after: text.startIndex)..<close]), address.isIPv6
            else { return nil }
            return address
        }
        if let address = IPAddress(text) { return address }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, isPort(parts[1]), let address = IPAddress(parts[0]), !address.isIPv6 else { return nil }
        return address
    }

    private static func isPort(_ text: Substring) -> Bool {
        (1...5).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

extension Substring {
    /// Without the spaces and tabs HTTP allows around list items and parameters.
    fileprivate var trimmingOWS: Substring {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else { return "" }
        return self[first...last]
    }
}
