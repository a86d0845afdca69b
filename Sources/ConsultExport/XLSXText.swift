/// How text becomes the content of an XLSX string cell: Excel's cell limit, and the characters
/// that SpreadsheetML (ST_Xstring) writes as `_xHHHH_` escapes. Exports/README.md documents both.
enum XLSXText {
    /// Excel's limit on a cell's text, in UTF-16 code units (what Excel counts).
    static let cellLimit = 32_767

    /// What ends a text cut at ``cellLimit``, so that nobody takes the cut text for the whole answer.
    static let cutMarker = "…[cut: an Excel cell holds at most 32,767 characters; the CSV and XML exports have the full text]"

    /// `text` as it is handed to libxlsxwriter, and whether it was cut.
    ///
    /// - U+0000–U+0008, U+000B–U+001F (CR included: XML readers would turn it into LF), U+FFFE and
    ///   U+FFFF cannot stand in XML; they are written as `_xHHHH_`, which Excel and LibreOffice read
    ///   back as the character.
    /// - An underscore that starts something shaped like such an escape (`_x0041_`) is written as
    ///   `_x005F_`, so that the respondent's text reads back literally instead of as a character.
    /// - A text longer than `limit` (UTF-16 code units as Excel reads it, or code points as written,
    ///   which libxlsxwriter checks) keeps the longest beginning that fits with ``cutMarker``, cut
    ///   between code points.
    static func encoded(_ text: String, limit: Int = cellLimit) -> (text: String, cut: Bool) {
        if isPlain(text, limit: limit) { return (text, false) }
        let scalars = Array(text.unicodeScalars)
        let whole = encode(scalars, room: Int.max)
        guard whole.visible > limit || whole.written > limit else { return (whole.text, false) }
        let marker = cutMarker.utf16.count
        return (encode(scalars, room: limit - marker).text + cutMarker, true)
    }

    /// The scalars encoded, up to the last one that keeps both lengths within `room`.
    private static func encode(_ scalars: [Unicode.Scalar], room: Int) -> (text: String, visible: Int, written: Int) {
        var text = "", visible = 0, written = 0
        for index in scalars.indices {
            let escape = escape(scalars, at: index)
            let addedVisible = escape == nil ? scalars[index].utf16.count : 1
            let addedWritten = escape?.unicodeScalars.count ?? 1
            guard visible + addedVisible <= room && written + addedWritten <= room else { break }
            if let escape { text += escape } else { text.unicodeScalars.append(scalars[index]) }
            visible += addedVisible
            written += addedWritten
        }
        return (text, visible, written)
    }

    /// Whether the text needs neither an escape nor a cut (the common case, checked on its bytes).
    private static func isPlain(_ text: String, limit: Int) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            // UTF-8 is never shorter than UTF-16 or the count of code points.
            guard bytes.count <= limit else { return false }
            for byte in bytes {
                // Control characters, "_" (a possible escape lookalike) and 0xEF (which starts U+FFFE, U+FFFF).
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A) || byte == UInt8(ascii: "_") || byte == 0xEF { return false }
            }
            return true
        }
    }

    /// The escape for the scalar at `index`, or nil when it is written as it is.
    private static func escape(_ scalars: [Unicode.Scalar], at index: Int) -> String? {
        let value = scalars[index].value
        if (value < 0x20 && value != 0x09 && value != 0x0A) || value == 0xFFFE || value == 0xFFFF {
            return "_x" + hex4(value) + "_"
        }
        if value == 0x5F && looksLikeEscape(scalars, at: index) { return "_x005F_" }
        return nil
    }

    /// Whether `_xHHHH_` (four hex digits, either case) starts at `index`.
    private static func looksLikeEscape(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_" else { return false }
        return scalars[(index + 2)...(index + 5)].allSatisfy { $0.properties.isASCIIHexDigit }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Excel's rules for sheet names: at most 31 characters, none of `[ ] : * ? / \`, no apostrophe
/// at either end, not `History` (Excel's own), and unique regardless of case.
struct SheetNames {
    static let maxLength = 31
    private var used: Set<String> = ["history"]

    init() {}

    /// `wanted` made valid (forbidden characters become `_`, cut to 31 characters) and unique
    /// (`~2`, `~3`, … replacing its end when taken).
    mutating func unique(_ wanted: String) -> String {
        var base = String(wanted.map { "[]:*?/\\".contains($0) ? "_" : $0 })
        while base.hasPrefix("'") { base.removeFirst() }
        while base.hasSuffix("'") { base.removeLast() }
        if base.isEmpty { base = "sheet" }
        var candidate = Self.cut(base, to: Self.maxLength)
        var number = 1
        while used.contains(candidate.lowercased()) {
            number += 1
            let suffix = "~\(number)"
            candidate = Self.cut(base, to: Self.maxLength - suffix.utf16.count) + suffix
        }
        used.insert(candidate.lowercased())
        return candidate
    }

    /// The longest beginning of `text` (whole characters) of at most `length` UTF-16 code units.
    private static func cut(_ text: String, to length: Int) -> String {
        var result = ""
        for character in text {
            guard result.utf16.count + character.utf16.count <= length else { break }
            result.append(character)
        }
        // An apostrophe left at the end by the cut would be refused.
        while result.hasSuffix("'") { result.removeLast() }
        return result
    }
}
