import Crypto
import Foundation
import GRDB

/// Random credentials and their stored form.
public enum Secret {
    /// A new random token: 32 bytes, base64url without padding (43 characters).
    public static func newToken() -> String {
        base64URL(Data(SecureRandom.bytes(32)))
    }

    /// A new random id for a submission or draft: 16 bytes as 32 hex digits.
    public static func newID() -> String {
        hex(SecureRandom.bytes(16))
    }

    /// What the store keeps of a token: its SHA-256.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares two hashes without stopping at the first difference.
    package static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Base64url without padding (RFC 4648 § 5), written directly: three `replacingOccurrences`
    /// over the base64 text cost more than the random bytes of a token.
    static func base64URL(_ data: Data) -> String {
        let alphabet = base64URLAlphabet
        var text: [UInt8] = []
        text.reserveCapacity((data.count * 4 + 2) / 3)
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var index = 0
            while index < bytes.count {
                let count = min(3, bytes.count - index)
                var group = UInt32(bytes[index]) << 16
                if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
                if count > 2 { group |= UInt32(bytes[index + 2]) }
                // n bytes make n + 1 digits of six bits each.
                for digit in 0...count { text.append(alphabet[Int(group >> (18 - 6 * UInt32(digit)) & 0x3f)]) }
                index += 3
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The server's own keys, kept in the database so that a copy of the file keeps them.
package struct ServerSecrets: Sendable {
    package let signer: ReceiptSigner
    package let sealer: ReplySealer
    package let pseudonyms: Pseudonymizer
    package let formTokens: FormTokenSigner
    package let clientKeys: ClientAddressKeyer

    /// The keys, each read by `secret(name, create)` from the engine's `server_secret` table, which
    /// stores `create()` first when the name has no value yet (every node then reads the first one stored).
    package static func make(_ secret: (String, () -> Data) throws -> Data) throws -> ServerSecrets {
        let newKey = { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }
        let signingKey = try secret("receipt-ed25519") { Curve25519.Signing.PrivateKey().rawRepresentation }
        return ServerSecrets(
            signer: try ReceiptSigner(privateKeyBytes: signingKey), sealer: ReplySealer(keyBytes: try secret("reply-sealing", newKey)),
            pseudonyms: Pseudonymizer(keyBytes: try secret("pseudonym-hmac", newKey)),
            formTokens: FormTokenSigner(keyBytes: try secret("form-token-hmac", newKey)),
            clientKeys: ClientAddressKeyer(keyBytes: try secret(ClientAddressKeyer.secretName, newKey)))
    }

    static func loadOrCreate(_ db: Database) throws -> ServerSecrets {
        try make { name, create in try secret(named: name, in: db, create: create) }
    }

    private static func secret(named name: String, in db: Database, create: () -> Data) throws -> Data {
        if let value = try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = ?", arguments: [name]) {
            return value
        }
        // Another process opening the same new file may store its key first: the first one stored holds.
        try db.execute(sql: "INSERT OR IGNORE INTO server_secret (name, value) VALUES (?, ?)", arguments: [name, create()])
        guard let stored = try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = ?", arguments: [name]) else {
            throw DatabaseError(message: "the server key \(name) was not stored")
        }
        return stored
    }
}

/// Seals a reply so that only a client holding the same idempotency key can get it back:
/// the reply holds an edit token, which the store otherwise keeps only as a hash.
package struct ReplySealer: Sendable {
    /// The 256-bit sealing key (kept as bytes, which are `Sendable`).
    let keyBytes: Data

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The stored form of an idempotency key (scoped to a survey).
    package func keyHash(_ idempotencyKey: String, scope: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(scope)\n\(idempotencyKey)".utf8), using: key))
    }

    package func seal(_ reply: Data, idempotencyKey: String) throws -> Data {
        let box = try AES.GCM.seal(reply, using: replyKey(idempotencyKey))
        return box.combined ?? Data()
    }

    package func open(_ sealed: Data, idempotencyKey: String) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: replyKey(idempotencyKey))
    }

    private func replyKey(_ idempotencyKey: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: Data(idempotencyKey.utf8), info: Data("consult idempotent reply".utf8),
            outputByteCount: 32)
    }
}

/// Turns submission ids into the stable pseudonymous respondent ids that exports show:
/// `r-` and 16 hex digits of an HMAC-SHA256 keyed with a server secret, so they cannot be
/// turned back into submission ids without the database's secret.
///
/// Unchecked sendability: the keyed HMAC is a copy-on-write value that is only ever copied, never
/// changed in place, so threads sharing it only read it.
public struct Pseudonymizer: @unchecked Sendable {
    /// The HMAC already keyed: each pseudonym copies it instead of keying a new one.
    private let keyed: HMAC<SHA256>

    init(keyBytes: Data) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
    }

    public func pseudonym(for submissionID: String) -> String {
        var hmac = keyed
        hmac.update(data: Array(submissionID.utf8))
        return "r-" + Secret.hex(hmac.finalize().prefix(8))
    }
}

/// Makes and checks the anti-forgery (CSRF) tokens of web forms: an HMAC of the browser's
/// session id under a server secret, so a token is valid only with the session it was made for.
public struct FormTokenSigner: Sendable {
    let keyBytes: Data

    public func token(forSession session: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("form\n\(session)".utf8), using: SymmetricKey(data: keyBytes))
        return Secret.base64URL(Data(code))
    }

    /// Whether `token` was made for `session`, compared in constant time.
    public func accepts(_ token: String, forSession session: String) -> Bool {
        Secret.constantTimeEqual(Data(token.utf8), Data(self.token(forSession: session).utf8))
    }
}
