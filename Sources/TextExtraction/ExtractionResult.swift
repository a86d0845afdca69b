import Foundation

/// What may be spent on extracting one file's text. Each limit ends the extraction with a
/// recorded failure; the file itself is never touched.
public struct ExtractionLimits: Sendable, Hashable {
    /// Wall-clock time pdftotext may run before it is killed.
    public var seconds: Double = 30
    /// CPU seconds pdftotext may use (RLIMIT_CPU), a second guard beside the wall clock.
    public var cpuSeconds: Int = 30
    /// Address space of the pdftotext process (RLIMIT_AS).
    public var memoryBytes: Int = 512 << 20
    /// Text kept from one file: pdftotext is killed once its output passes this, a DOCX or ODT
    /// whose text passes it fails.
    public var textBytes: Int = 16 << 20
    /// Entries a DOCX or ODT archive may list.
    public var zipEntries: Int = 5_000
    /// Uncompressed bytes all entries of a DOCX or ODT archive may declare, and bytes one read
    /// entry may really inflate to.
    public var zipUncompressedBytes: Int = 256 << 20
    /// Uncompressed/compressed ratio an entry may declare or reach (ordinary XML stays far below).
    public var zipRatio: Int = 200

    public init() {}
}

/// The text taken from a file.
public struct ExtractedText: Sendable, Hashable {
    public let text: String
    /// Pages, when the format says (PDF always; DOCX and ODT from their statistics, if written).
    public let pages: Int?

    /// Unicode scalars, as the reading room counts characters.
    public var characters: Int { text.unicodeScalars.count }

    public init(text: String, pages: Int?) {
        self.text = text
        self.pages = pages
    }
}

/// Why no text could be taken from a file: one sentence, recorded and shown to analysts.
public struct ExtractionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// The kinds of file consult stores (as `attachment.kind` names them).
public enum DocumentKind: String, Sendable, CaseIterable {
    case pdf, docx, odt, text
}

/// Text as stored for search: no NUL (SQLite's text functions stop there) and no form feeds.
enum TextCleaning {
    static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{0}": continue
            case "\u{C}": scalars.append("\n")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}

/// Sizes for messages: "16 MiB", "512 KiB", "300 bytes".
enum ByteText {
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
