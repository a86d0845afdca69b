import ArgumentParser
import ConsultStore
import Foundation

/// `consult backup`: a consistent copy of the database, also while the server runs.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to a new file, consistently, while the server may be running.",
        discussion: """
            Uses SQLite's online backup inside one read transaction: the copy is a snapshot of one \
            instant, and submissions keep being accepted meanwhile. The copy is checked with \
            PRAGMA integrity_check before it is put in place. Restore by stopping the server and \
            starting it with --db pointing at the copy.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The file to write; it must not exist yet.")
    var out: String

    func validate() throws {
        guard !database.isPostgres else {
            throw ValidationError("""
                consult backup copies an SQLite file. \(database.redactedPath) is a PostgreSQL database: back it up \
                with pg_dump (a consistent snapshot while consult runs, e.g. pg_dump --format=custom \
                --file=consult.dump '<the same URL>') or keep a streaming replica; README, "PostgreSQL", explains both.
                """)
        }
        guard FileManager.default.fileExists(atPath: database.path) else {
            throw ValidationError("There is no database at \(database.path).")
        }
        guard !FileManager.default.fileExists(atPath: out) else {
            throw ValidationError("\(out) already exists; choose a new file.")
        }
    }

    func run() throws {
        let source = try database.openSQLite()
        defer { try? source.close() }
        do {
            let submissions = try source.backup(to: out)
            print("\(database.path) → \(out): \(submissions) submissions, integrity ok")
        } catch {
            printToStandardError("consult backup: \(error)")
            throw ExitCode.failure
        }
    }
}
