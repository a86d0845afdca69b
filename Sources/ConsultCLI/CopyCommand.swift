import ArgumentParser
import ConsultStore
import Foundation

/// `consult copy`: a whole consultation moved from one database to another, SQLite or PostgreSQL.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole consultation from one database to another (SQLite or PostgreSQL).",
        discussion: """
            Reads every submission and version, the tallies, drafts, tokens and sessions, the audit log, the \
            keys (receipts stay valid, pseudonyms stay the same), the reading room's texts, themes and codings, \
            the campaign clusters and reviews and the position papers from --from, in one snapshot, and writes \
            them to --to in one transaction: the exports of both are byte-identical afterwards. --to must hold no \
            consultation yet (a new SQLite file, or a new PostgreSQL database); if anything fails, nothing is \
            written. Stop the servers on --from first, or what arrives meanwhile is not in the copy.
            """
    )

    @Option(help: ArgumentHelp("The database to copy: an SQLite file or a postgresql:// URL.", valueName: "file-or-url"))
    var from: String

    @Option(help: ArgumentHelp("The database to copy into: a new SQLite file or an empty PostgreSQL database.", valueName: "file-or-url"))
    var to: String

    func validate() throws {
        let source = StoreLocation(from, option: "--from")
        guard source.isPostgres || FileManager.default.fileExists(atPath: from) else {
            throw ValidationError("--from: there is no database at \(from).")
        }
        guard from != to else { throw ValidationError("--from and --to name the same database.") }
    }

    func run() async throws {
        let source = StoreLocation(from, option: "--from"), target = StoreLocation(to, option: "--to")
        let createdFile = !target.isPostgres && !FileManager.default.fileExists(atPath: to)
        let reading = try await source.open()
        defer { try? reading.close() }
        let writing = try await target.open()
        let counts: [String: Int]
        do {
            counts = try await Self.offCooperativeThreads { try StoreCopy.copy(from: reading.transfer, to: writing.transfer) }
            try writing.close()
        } catch {
            try? writing.close()
            // A new file the failed copy made holds nothing: it goes, so nothing is left changed.
            if createdFile { for suffix in ["", "-wal", "-shm", "-lock"] { try? FileManager.default.removeItem(atPath: to + suffix) } }
            printToStandardError("consult copy: nothing was copied: \(error)")
            throw ExitCode.failure
        }
        let rows = counts.values.reduce(0, +)
        print("\(source.redacted) → \(target.redacted): \(counts["submission"] ?? 0) submissions, \(rows) rows in \(counts.count) tables")
        for table in TransferSchema.tables where counts[table.name] != nil {
            print("  \(table.name): \(counts[table.name]!)")
        }
    }

    /// Runs `work` on a thread of its own: the copy blocks its threads while the engines' drivers run on Swift's.
    private static func offCooperativeThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
