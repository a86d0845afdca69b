import Foundation
import GRDB

/// Free text kept byte for byte, U+0000 included.
///
/// GRDB binds a `String` as a C string and reads a TEXT value back as one, so both ways a text
/// ends at its first NUL. A text holding a NUL is bound as its UTF-8 bytes under
/// `CAST(? AS TEXT)` instead (SQLite keeps the bytes and their length), and every text is read
/// as `CAST(column AS BLOB)`, whose bytes are whole.
enum ExactText {
    /// The value to bind to a `CAST(? AS TEXT)` parameter.
    static func bindable(_ text: String?) -> DatabaseValue {
        guard let text else { return .null }
        // A String without NUL binds whole (and an empty one stays text: empty bytes would bind as NULL).
        return text.utf8.contains(0) ? Data(text.utf8).databaseValue : text.databaseValue
    }

    /// SQL that reads `column` whole: its bytes, to decode with ``decode(_:)``.
    static func select(_ column: String) -> String {
        "CAST(\(column) AS BLOB)"
    }

    /// The text whose bytes ``select(_:)`` read.
    static func decode(_ bytes: Data?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }
}
