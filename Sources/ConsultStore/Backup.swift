import Foundation
import GRDB

extension ConsultDatabase {
    /// Copies the database to `path` with SQLite's online backup, inside one read
    /// transaction: a consistent snapshot, taken while the server goes on writing.
    ///
    /// The copy is written beside `path` and renamed into place only once complete and
    /// found sound by `PRAGMA integrity_check`, so `path` never holds a partial copy.
    /// Returns how many submissions the copy holds.
    public func backup(to path: String) throws -> Int {
        let destination = URL(fileURLWithPath: path)
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).partial-\(Secret.newID())")
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial.path + suffix) }
        }
        let copy = try DatabaseQueue(path: partial.path)
        try pool.backup(to: copy)
        let (integrity, submissions) = try copy.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer",
             try Int.fetchOne(db, sql: "SELECT count(*) FROM submission") ?? 0)
        }
        try copy.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
        try copy.close()
        guard integrity == "ok" else { throw BackupFailure(message: "the copy failed its integrity check: \(integrity)") }
        if FileManager.default.fileExists(atPath: destination.path) {
            throw BackupFailure(message: "\(path) already exists; choose a new file")
        }
        try FileManager.default.moveItem(at: partial, to: destination)
        return submissions
    }
}

/// Why a backup was not written.
public struct BackupFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
