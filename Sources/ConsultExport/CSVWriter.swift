import Foundation

/// How CSV files are written.
public struct CSVOptions: Sendable, Hashable {
    public enum LineEnding: String, Sendable {
        /// CR LF, as RFC 4180 asks.
        case crlf
        /// LF alone.
        case lf
    }

    /// What ends each record (default `.crlf`, RFC 4180). Line breaks inside quoted fields are kept as they are.
    public var lineEnding: LineEnding
    /// Whether the file starts with the UTF-8 byte order mark (EF BB BF), which spreadsheets need to read UTF-8. Default false.
    public var byteOrderMark: Bool

    public init(lineEnding: LineEnding = .crlf, byteOrderMark: Bool = false) {
        self.lineEnding = lineEnding
        self.byteOrderMark = byteOrderMark
    }
}

/// Writes RFC 4180 CSV to a BufferedOutput: fields separated by commas, quoted when they hold a
/// comma, a quote, CR or LF (inner quotes doubled), each record ended by the chosen line ending.
/// Text cells are neutralised first (see `neutralised(_:)`) so that no spreadsheet runs them as formulas.
public final class CSVWriter {
    private let output: BufferedOutput
    private let lineEnding: [UInt8]
    /// The record being built, reused from row to row.
    /// One thread at a time writes a file: no run-time exclusivity checks on this hot buffer (issue 19: exports).
    @exclusivity(unchecked) private var record: [UInt8] = []

    /// Starts a CSV file on `output`, with the byte order mark first if `options` ask for it.
    public init(output: BufferedOutput, options: CSVOptions = CSVOptions()) throws {
        self.output = output
        switch options.lineEnding {
        case .crlf: lineEnding = [Byte.cr, Byte.lf]
        case .lf: lineEnding = [Byte.lf]
        }
        record.reserveCapacity(4_096)
        if options.byteOrderMark {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            try bom.withUnsafeBytes { try output.write($0) }
        }
    }

    /// Writes the header record; names are treated as text cells (neutralised, quoted if needed).
    public func writeHeader(_ names: [String]) throws {
        try writeRow(names.map(Cell.text))
    }

    /// Writes one record. `.text` cells are neutralised, then quoted if needed; numbers are written
    /// as `Cell.text` gives them and never neutralised (so `-3` stays a number); `.empty` is an empty field.
    public func writeRow(_ cells: [Cell]) throws {
        record.removeAll(keepingCapacity: true)
        for (index, cell) in cells.enumerated() {
            if index > 0 { record.append(Byte.comma) }
            switch cell {
            case .text(let text): Self.appendField(text, neutralise: true, to: &record)
            case .integer, .decimal, .number: Self.appendField(cell.text, neutralise: false, to: &record)
            case .empty: break
            }
        }
        // A record of one empty field would read back as a blank line, which parsers skip or read as no fields.
        if cells.count == 1 && record.isEmpty { record.append(contentsOf: [Byte.quote, Byte.quote]) }
        record.append(contentsOf: lineEnding)
        try record.withUnsafeBytes { try output.write($0) }
    }

    /// A text cell a spreadsheet would run as a formula (first character =, +, -, @, tab or CR) gets a
    /// leading apostrophe ('), which spreadsheets show as text; nothing else changes (OWASP CSV injection).
    public static func neutralised(_ text: String) -> String {
        guard let first = text.utf8.first, isFormulaStart(first) else { return text }
        return "'" + text
    }

    /// The field quoted per RFC 4180 when it holds a comma, a quote, CR or LF (quotes doubled), else as is.
    public static func field(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            guard needsQuotes(bytes) else { return String(decoding: bytes, as: UTF8.self) }
            var quoted: [UInt8] = []
            quoted.reserveCapacity(bytes.count + 8)
            appendQuoted(bytes, apostrophe: false, to: &quoted)
            return String(decoding: quoted, as: UTF8.self)
        }
    }

    // MARK: - Bytes

    private enum Byte {
        static let tab = UInt8(ascii: "\t")
        static let lf = UInt8(ascii: "\n")
        static let cr = UInt8(ascii: "\r")
        static let quote = UInt8(ascii: "\"")
        static let comma = UInt8(ascii: ",")
        static let apostrophe = UInt8(ascii: "'")
        static let equals = UInt8(ascii: "=")
        static let plus = UInt8(ascii: "+")
        static let minus = UInt8(ascii: "-")
        static let at = UInt8(ascii: "@")
    }

    private static func isFormulaStart(_ byte: UInt8) -> Bool {
        byte == Byte.equals || byte == Byte.plus || byte == Byte.minus || byte == Byte.at
            || byte == Byte.tab || byte == Byte.cr
    }

    private static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte == Byte.quote || byte == Byte.comma || byte == Byte.cr || byte == Byte.lf {
            return true
        }
        return false
    }

    /// Appends `text` as one field: neutralised if asked, quoted if needed.
    private static func appendField(_ text: String, neutralise: Bool, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let apostrophe = neutralise && bytes.first.map(isFormulaStart) == true
            if needsQuotes(bytes) {
                appendQuoted(bytes, apostrophe: apostrophe, to: &out)
            } else {
                if apostrophe { out.append(Byte.apostrophe) }
                out.append(contentsOf: bytes)
            }
        }
    }

    /// Appends `"`, the optional apostrophe, the bytes with each quote doubled, and `"`.
    private static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, apostrophe: Bool, to out: inout [UInt8]) {
        out.append(Byte.quote)
        if apostrophe { out.append(Byte.apostrophe) }
        var start = 0
        for index in 0..<bytes.count where bytes[index] == Byte.quote {
            // Up to and including this quote, then the quote again.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...index]))
            out.append(Byte.quote)
            start = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        out.append(Byte.quote)
    }
}
