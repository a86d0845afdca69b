/// Why an audited change was made (a deadline moved, a sector re-assigned, a token revoked):
/// one rule for the API, the organizer page and the command line.
public struct AuditReason: Sendable, Hashable {
    /// The longest reason kept, in characters.
    public static let maximumLength = 1000

    /// The reason as the audit log keeps it: without surrounding white space.
    public let text: String

    /// Why a reason cannot be kept, in words for whoever typed it; nothing was changed.
    public struct Invalid: Error, Sendable, Hashable {
        public let message: String

        public init(message: String) {
            self.message = message
        }
    }

    /// Trims `raw` and checks it: not blank, at most `maximumLength` characters, no NUL.
    public init(_ raw: String) throws(Invalid) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw Invalid(message: "say why: a reason is required") }
        if text.count > Self.maximumLength {
            throw Invalid(message: "the reason is longer than \(Self.maximumLength) characters")
        }
        // SQLite's text binding ends at a NUL, so the audit log would keep only what comes before it.
        if text.unicodeScalars.contains("\u{0}") {
            throw Invalid(message: "the reason holds a NUL character (U+0000); remove it")
        }
        self.text = text
    }
}
