import ConsultCore
import Crypto
import Foundation

/// Proof that a submission was received: what, when, and a hash of the answers,
/// signed with the server's Ed25519 key.
public struct Receipt: Sendable, Hashable, Codable {
    public let surveyID: String
    public let submissionID: String
    public let version: Int
    /// The receive instant in UTC, as ISO 8601 with milliseconds.
    public let receivedAt: String
    /// SHA-256 (hex) of the answers' canonical JSON.
    public let answersSHA256: String
    /// Names the key that signed the receipt.
    public let keyID: String
    /// Base64 Ed25519 signature of ``signedText``.
    public let signature: String

    enum CodingKeys: String, CodingKey {
        case surveyID = "survey_id"
        case submissionID = "submission_id"
        case version
        case receivedAt = "received_at"
        case answersSHA256 = "answers_sha256"
        case keyID = "key_id"
        case signature
    }

    /// The exact text the signature covers.
    var signedText: String {
        ["consult-receipt-v1", surveyID, submissionID, String(version), receivedAt, answersSHA256, keyID]
            .joined(separator: "\n")
    }

    /// SHA-256 (hex) of an answer set's canonical JSON text.
    public static func answersHash(_ canonicalText: String) -> String {
        Secret.hex(SHA256.hash(data: Data(canonicalText.utf8)))
    }
}

/// Signs and verifies receipts with the server's key.
public struct ReceiptSigner: Sendable {
    /// The key, expanded from its stored seed once: expanding it again for every receipt cost
    /// as much CPU as the signature itself.
    private let key: SigningKey
    /// The first 16 hex digits of the SHA-256 of the public key.
    public let keyID: String

    init(privateKeyBytes: Data) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyBytes)
        self.key = SigningKey(privateKey: key, publicKey: key.publicKey)
        keyID = String(Secret.hex(SHA256.hash(data: key.publicKey.rawRepresentation)).prefix(16))
    }

    private var privateKey: Curve25519.Signing.PrivateKey { key.privateKey }

    package func receipt(surveyID: String, submissionID: String, version: Int, receivedAt: Date, answersSHA256: String) throws
        -> Receipt
    {
        let unsigned = Receipt(
            surveyID: surveyID, submissionID: submissionID, version: version,
            receivedAt: Instant.utcText(receivedAt), answersSHA256: answersSHA256, keyID: keyID,
            signature: "")
        let signature = try privateKey.signature(for: Data(unsigned.signedText.utf8))
        return Receipt(
            surveyID: surveyID, submissionID: submissionID, version: version, receivedAt: unsigned.receivedAt,
            answersSHA256: answersSHA256, keyID: keyID, signature: signature.base64EncodedString())
    }

    /// Why a receipt is not valid, or nil if it is.
    public func problem(with receipt: Receipt) -> String? {
        guard receipt.keyID == keyID else { return "the receipt was not signed with this server's key" }
        guard let signature = Data(base64Encoded: receipt.signature) else { return "the signature is not base64" }
        guard key.publicKey.isValidSignature(signature, for: Data(receipt.signedText.utf8))
        else {
            return "the signature does not match the receipt's content"
        }
        return nil
    }
}

/// The server's expanded Ed25519 key pair.
///
/// Unchecked sendability: swift-crypto's keys are immutable values (their bytes are never
/// changed after the key is made), so threads sharing them only read them.
private struct SigningKey: @unchecked Sendable {
    let privateKey: Curve25519.Signing.PrivateKey
    let publicKey: Curve25519.Signing.PublicKey
}
