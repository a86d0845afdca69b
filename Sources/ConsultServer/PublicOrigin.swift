import Foundation
import NIOCore

/// Where respondents reach consult: the scheme, host and port the private links on the pages
/// are built on. Never taken from a request's `Host` header, which anyone can set.
public struct PublicOrigin: Hashable, Sendable, CustomStringConvertible {
    /// `https://consult.example.org` or `http://127.0.0.1:8080`: no path, no trailing slash.
    public let url: String

    /// An absolute `http` or `https` URL of a host's root (`https://consult.example.org`,
    /// `https://consult.example.org:8443/`); anything else is refused with the reason.
    public init(validating text: String) throws {
        let example = "such as https://consult.example.org"
        guard let separator = text.range(of: "://") else {
            throw DeploymentError("\"\(text)\" is not an absolute URL; give one \(example).")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw DeploymentError("\"\(text)\" must start with https:// (or http://), \(example).")
        }
        var authority = text[separator.upperBound...]
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        if authority.contains("?") || authority.contains("#") {
            throw DeploymentError("\"\(text)\" has a query or fragment; give only the scheme, host and port, \(example).")
        }
        if authority.contains("/") {
            throw DeploymentError(
                "\"\(text)\" has a path; consult serves its pages at the root of a host, so give only the scheme, "
                    + "host and port, \(example).")
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]")
        guard !authority.isEmpty, authority.unicodeScalars.allSatisfy(allowed.contains),
            let parsed = URLComponents(string: "\(scheme)://\(authority)"), let host = parsed.host, !host.isEmpty,
            parsed.port.map({ (1...65_535).contains($0) }) ?? !authority.hasSuffix(":")
        else {
            throw DeploymentError("\"\(text)\" does not name a valid host and port, \(example).")
        }
        url = "\(scheme)://\(authority)"
    }

    /// `http://` and the local address a connection came in on: what a browser that reached
    /// consult directly used. Nil when the connection has no IP address.
    init?(reachedAt local: SocketAddress?) {
        guard let local, let text = local.ipAddress, let address = IPAddress(text), let port = local.port else { return nil }
        url = address.isIPv6 ? "http://[\(address)]:\(port)" : "http://\(address):\(port)"
    }

    public var isHTTPS: Bool { url.hasPrefix("https://") }

    /// `path` (starting with `/`) as an absolute URL on this origin.
    public func link(_ path: String) -> String { url + path }

    public var description: String { url }
}

/// A deployment setting (public URL, trusted proxy) that cannot be used, and why.
public struct DeploymentError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
