import ArgumentParser
import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import SurveyFiles

/// `--db`: the SQLite file or a `postgresql://` URL, also `CONSULT_DB`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The SQLite database file, created on first use, or a postgresql:// URL (env CONSULT_DB).", valueName: "file-or-url"))
    var path: String = ProcessInfo.processInfo.environment["CONSULT_DB"] ?? "./consult.sqlite"

    /// The database `--db` names.
    var location: StoreLocation { StoreLocation(path, option: "--db") }

    /// The store every command works with, by its roles (``ConsultStorage``). `uploadSpool` is where a
    /// PostgreSQL node spools arriving uploads (SQLite keeps them beside its file).
    func open(openTextIndex: Bool = true, textLanguages: Bool = true, uploadSpool: URL? = nil) async throws -> any ConsultStorage {
        try await location.open(openTextIndex: openTextIndex, textLanguages: textLanguages, uploadSpool: uploadSpool)
    }

    /// Whether `--db` names a PostgreSQL database (a `postgresql://` URL) rather than an SQLite file.
    var isPostgres: Bool { location.isPostgres }

    /// `--db` as it may be shown: a PostgreSQL URL without its password.
    var redactedPath: String { location.redacted }

    /// The SQLite file itself, for what only SQLite has (`consult backup`).
    func openSQLite() throws -> ConsultDatabase { try location.openSQLite() }
}

/// A database a command names: an SQLite file, or a PostgreSQL database by its `postgresql://` URL.
struct StoreLocation {
    let path: String
    /// The option that named it, for messages.
    let option: String

    init(_ path: String, option: String) {
        self.path = path
        self.option = option
    }

    /// The store, by its roles: the SQLite file (created if there is none), or the PostgreSQL database
    /// (migrated at once if it is behind).
    func open(openTextIndex: Bool = true, textLanguages: Bool = true, uploadSpool: URL? = nil) async throws -> any ConsultStorage {
        guard isPostgres else { return try openSQLite(openTextIndex: openTextIndex, textLanguages: textLanguages) }
        let location: PostgresLocation
        do {
            location = try PostgresLocation(parsing: path)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
        do {
            return try await PostgresStore.open(location, uploadSpool: uploadSpool)
        } catch {
            let reason = error is PostgresUnreachable ? "\(error)" : String(reflecting: error)
            throw ValidationError("Cannot open the PostgreSQL database \(redacted): \(reason)")
        }
    }

    /// Whether it is a PostgreSQL database (a `postgresql://` URL) rather than an SQLite file.
    var isPostgres: Bool { PostgresLocation.isPostgresURL(path) }

    /// As it may be shown: a PostgreSQL URL without its password.
    var redacted: String {
        guard isPostgres, let location = try? PostgresLocation(parsing: path) else { return path }
        return location.redactedDescription
    }

    /// The SQLite file itself.
    func openSQLite(openTextIndex: Bool = true, textLanguages: Bool = true) throws -> ConsultDatabase {
        do {
            return try ConsultDatabase(path: path, openTextIndex: openTextIndex, textLanguages: textLanguages)
        } catch {
            throw ValidationError("Cannot open the database \(path): \(error)")
        }
    }
}

/// `--surveys`: the folder of survey files, also `CONSULT_SURVEYS`.
struct SurveyFolderOptions: ParsableArguments {
    @Option(name: .customLong("surveys"), help: "The folder of survey files (env CONSULT_SURVEYS).")
    var directory: String = ProcessInfo.processInfo.environment["CONSULT_SURVEYS"] ?? "./Surveys"

    /// Every survey in the folder; prints each broken file's problems and fails if there is one.
    func load() throws -> [Survey] {
        do {
            return try SurveyFile.loadAll(in: directory)
        } catch {
            printToStandardError(error.description)
            throw ExitCode.failure
        }
    }

    func survey(_ id: String) throws -> Survey {
        guard let survey = try load().first(where: { $0.id.rawValue == id }) else {
            throw ValidationError("There is no survey \"\(id)\" in \(directory).")
        }
        return survey
    }
}

func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Who the audit log names for changes made from this command line.
var commandLineActor: String {
    "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown")
}
