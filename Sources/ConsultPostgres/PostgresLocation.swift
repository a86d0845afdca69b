import Foundation
import PostgresNIO

/// Where a PostgreSQL database is and how to reach it, parsed from what `consult serve --db` and `CONSULT_DB` accept:
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&application_name=…]`, or with
/// `?host=/socket/dir` (and no host before the path) for a Unix socket.
///
/// `sslmode` is `disable`, `require` (encrypted, server not verified) or `verify-full` (encrypted, certificate and
/// host name verified). Without it, a loopback host or a Unix socket gets `disable` and any other host `require`,
/// so a password never crosses a network in clear text unless the URL says so.
public struct PostgresLocation: Sendable, Equatable {
    /// How the server is reached.
    public enum Endpoint: Sendable, Equatable {
        /// A TCP host name or address, and a port.
        case tcp(host: String, port: Int)
        /// The Unix socket in `directory` for `port` (PostgreSQL names it `.s.PGSQL.<port>`).
        case unixSocket(directory: String, port: Int)
    }

    /// Whether and how the connection is encrypted.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain text.
        case disable
        /// Encrypted; the server's certificate is not checked.
        case require
        /// Encrypted; the certificate must be trusted and name the host.
        case verifyFull = "verify-full"
    }

    /// The default PostgreSQL port.
    public static let defaultPort = 5432

    /// The host and port, or the socket's directory and port.
    public var endpoint: Endpoint
    /// The role to log in as.
    public var username: String
    /// The password, already percent-decoded; never printed by this type.
    public var password: String?
    /// The database name; `nil` lets the server use the user's name, as libpq does.
    public var database: String?
    /// Whether the connection is encrypted, and whether the server is verified.
    public var tlsMode: TLSMode
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String?

    /// Whether `text` is a PostgreSQL URL rather than the path of an SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://")
    }

    /// Parses a `postgresql://` or `postgres://` URL.
    /// - Throws: ``PostgresLocationError`` naming the part that is wrong; its message never contains the password.
    public init(parsing text: String) throws(PostgresLocationError) {
        guard Self.isPostgresURL(text), let schemeEnd = text.range(of: "://")?.upperBound else { throw .notPostgresURL }
        let rest = text[schemeEnd...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        // An unencoded '/', '?' or '#' in the password ends the authority early; refusing any later '@' keeps
        // every part this parser may echo free of password text.
        if tail.contains("@") { throw .malformed }
        guard let at = authority.lastIndex(of: "@") else { throw .missingUser }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let colon = userInfo.firstIndex(of: ":")
        guard let user = String(userInfo[..<(colon ?? userInfo.endIndex)]).removingPercentEncoding, !user.isEmpty else {
            throw .missingUser
        }
        username = user
        if let colon {
            guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                throw .badPassword
            }
            password = decoded
        } else {
            password = nil
        }

        var hostText = Substring(hostPort)
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .badHost }
            hostText = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badHost }
                portText = after.dropFirst()
            }
        } else if let portColon = hostPort.firstIndex(of: ":") {
            hostText = hostPort[..<portColon]
            portText = hostPort[hostPort.index(after: portColon)...]
        }
        var port = Self.defaultPort
        if let portText {
            guard let given = Int(portText), (1...65_535).contains(given) else { throw .badPort(String(portText)) }
            port = given
        }
        guard let host = String(hostText).removingPercentEncoding,
              !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" }) else { throw .badHost }

        if tail.contains("#") { throw .unexpectedFragment }
        let queryStart = tail.firstIndex(of: "?")
        let path = tail[..<(queryStart ?? tail.endIndex)]
        if path.isEmpty || path == "/" {
            database = nil
        } else {
            let name = path.dropFirst()
            guard !name.contains("/"), let decoded = String(name).removingPercentEncoding, !decoded.isEmpty else {
                throw .badDatabase(String(name))
            }
            database = decoded
        }

        var socketDirectory: String?
        var sslmode: TLSMode?
        var application: String?
        let query = queryStart.map { tail[tail.index(after: $0)...] } ?? ""
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=")
            let name = String(pair[..<(equals ?? pair.endIndex)])
            guard let value = equals.map({ String(pair[pair.index(after: $0)...]) })?.removingPercentEncoding else {
                throw .badParameter(name)
            }
            switch name {
            case "host":
                guard value.hasPrefix("/") else { throw .badSocketDirectory(value) }
                socketDirectory = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else { throw .badSSLMode(value) }
                sslmode = mode
            case "application_name":
                guard !value.isEmpty, value.utf8.count < 64, value.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
                    throw .badApplicationName
                }
                application = value
            default:
                throw .unknownParameter(name)
            }
        }
        applicationName = application

        if let socketDirectory {
            guard host.isEmpty else { throw .hostAndSocket }
            guard sslmode == nil || sslmode == .disable else { throw .tlsOverSocket }
            endpoint = .unixSocket(directory: socketDirectory, port: port)
            tlsMode = .disable
        } else {
            guard !host.isEmpty else { throw .missingHost }
            endpoint = .tcp(host: host, port: port)
            tlsMode = sslmode ?? (Self.isLoopback(host) ? .disable : .require)
        }
    }

    /// Whether `host` names this machine over loopback, where no one can read the traffic.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The client configuration PostgresNIO connects with.
    public func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case let .tcp(host, port):
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: tls
            )
        case let .unixSocket(directory, port):
            configuration = .init(
                unixSocketPath: socketPath(directory: directory, port: port),
                username: username, password: password, database: database
            )
        }
        if let applicationName {
            configuration.options.additionalStartupParameters.append(("application_name", applicationName))
        }
        return configuration
    }

    /// The URL without the password, for logs and messages.
    public var redactedDescription: String {
        var text = "postgresql://\(username)\(password == nil ? "" : ":***")@"
        var query: [String] = []
        switch endpoint {
        case let .tcp(host, port):
            text += host.contains(":") ? "[\(host)]" : host
            text += ":\(port)"
        case let .unixSocket(directory, port):
            text += ":\(port)"
            query.append("host=\(directory)")
        }
        text += "/" + (database ?? "")
        query.append("sslmode=\(tlsMode.rawValue)")
        if let applicationName { query.append("application_name=\(applicationName)") }
        return text + "?" + query.joined(separator: "&")
    }

    private var tls: PostgresClient.Configuration.TLS {
        switch tlsMode {
        case .disable:
            return .disable
        case .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }

    private func socketPath(directory: String, port: Int) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + ".s.PGSQL.\(port)"
    }
}

/// Why a PostgreSQL URL was refused; the message names the part and never contains the password.
public enum PostgresLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPostgresURL
    case malformed
    case missingUser
    case badPassword
    case missingHost
    case badHost
    case badPort(String)
    case badDatabase(String)
    case badSocketDirectory(String)
    case hostAndSocket
    case tlsOverSocket
    case badSSLMode(String)
    case badApplicationName
    case unknownParameter(String)
    case badParameter(String)
    case unexpectedFragment

    public var description: String {
        switch self {
        case .notPostgresURL:
            return "not a PostgreSQL URL: it must start with postgresql:// or postgres://"
        case .malformed:
            return "user or password: '/', '?', '#' and '@' in them must be percent-encoded (the password is not shown)"
        case .missingUser:
            return "user: the URL names no user (postgresql://USER@HOST/DATABASE)"
        case .badPassword:
            return "password: its percent-encoding is invalid (the password itself is not shown)"
        case .missingHost:
            return "host: the URL names no host, and no ?host=/socket/dir either"
        case .badHost:
            return "host: not a host name, an IPv4 address or a bracketed IPv6 address"
        case let .badPort(port):
            return "port: '\(port)' is not a number from 1 to 65535"
        case let .badDatabase(name):
            return "database: '\(name)' is not one database name"
        case let .badSocketDirectory(value):
            return "host: '\(value)' in the query must be the absolute path of the socket's directory"
        case .hostAndSocket:
            return "host: give either a host before the path or ?host=/socket/dir, not both"
        case .tlsOverSocket:
            return "sslmode: a Unix socket is not encrypted; use sslmode=disable or leave it out"
        case let .badSSLMode(value):
            return "sslmode: '\(value)' is not one of disable, require, verify-full"
        case .badApplicationName:
            return "application_name: must be 1 to 63 printable ASCII characters"
        case let .unknownParameter(name):
            return "parameter '\(name)' is not known (known: host, sslmode, application_name)"
        case let .badParameter(name):
            return "parameter '\(name)': needs a value after '=', percent-encoded"
        case .unexpectedFragment:
            return "the URL has a '#' part, which a PostgreSQL URL does not take (percent-encode a '#' in the password as %23)"
        }
    }
}
