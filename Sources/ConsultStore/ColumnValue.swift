import Foundation
import GRDBSQLite

/// Reads one column of the current row of a stepped SQLite statement directly (issue 19:
/// exports), for loops over millions of rows where GRDB's per-column conversions cost more than
/// the read. NULL reads as nil.
enum ColumnValue {
    static func int64(_ statement: OpaquePointer, _ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    static func double(_ statement: OpaquePointer, _ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }

    /// A column read with ``ExactText/select(_:)``: its bytes as UTF-8 text, U+0000 included.
    static func text(_ statement: OpaquePointer, _ column: Int32) -> String? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        // The pointer first, then the length, as SQLite asks.
        guard let bytes = sqlite3_column_blob(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}
