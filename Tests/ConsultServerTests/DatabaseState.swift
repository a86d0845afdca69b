import ConsultStore
import Foundation

/// Every row of every table of the database at `path`, as `sqlite3` prints them, but for what
/// a read may rightly write: the audit entries of export downloads and a token's last use.
/// Comparing two states tells whether requests changed anything a user could see.
func databaseState(_ path: String) throws -> String {
    let tables = try sqlite(path, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .split(separator: "\n").map(String.init)
    let queries = tables.map { table in
        switch table {
        case "audit_entry":
            "SELECT * FROM audit_entry WHERE action != '\(AuditRecord.exportDownloadedAction)' ORDER BY rowid;"
        case "role_token":
            "SELECT id, role, name, token_hash, created_at_ms, expires_at_ms, revoked_at_ms FROM role_token ORDER BY id;"
        default:
            "SELECT '\(table)'; SELECT * FROM \"\(table)\";"
        }
    }
    return try sqlite(path, queries.joined(separator: "\n"))
}

/// Runs `sql` on the file with the sqlite3 shell (the server tests do not link GRDB); returns its output.
@discardableResult
func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", path, sql]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    return String(decoding: data, as: UTF8.self)
}

/// ``databaseState(_:)`` once a running server's campaign worker has placed every queued
/// submission: the worker's own tables change on its schedule, not because of a request, so a
/// comparison of states around requests takes both when the queue is empty.
func settledDatabaseState(_ path: String) async throws -> String {
    for _ in 0..<400 {
        let queued = try sqlite(path, "SELECT count(*) FROM near_duplicate_queue")
        if queued.trimmingCharacters(in: .whitespacesAndNewlines) == "0" { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try databaseState(path)
}
