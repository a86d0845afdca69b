import ArgumentParser
import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import SurveyFiles

/// `--db`: the SQLite file, also `CONSULT_DB`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The SQLite database file (env CONSULT_DB); created on first use.")
    var path: String = ProcessInfo.processInfo.environment["CONSULT_DB"] ?? "./consult.sqlite"

    /// The store every command works with, by its roles (``ConsultStorage``).
    func open(openTextIndex: Bool = true, textLanguages: Bool = true) throws -> any ConsultStorage {
        if isPostgres {
            throw ValidationError("""
                \(redactedPath) is a PostgreSQL database: this command runs on PostgreSQL once the reading room, \
                campaigns and position papers are carried over (issue 18); token, deadline, audit and receipt do now.
                """)
        }
        return try openSQLite(openTextIndex: openTextIndex, textLanguages: textLanguages)
    }

    /// The store for commands that need only the roles every engine has (``CoreStorage``): the SQLite
    /// file, or the PostgreSQL database a `postgresql://` URL names (migrated at once if it is behind).
    func openCore() async throws -> any CoreStorage {
        guard isPostgres else { return try openSQLite() }
        let location: PostgresLocation
        do {
            location = try PostgresLocation(parsing: path)
        } catch {
            throw ValidationError("--db: \(error)")
        }
        do {
            return try await PostgresStore.open(location)
        } catch {
            let reason = error is PostgresUnreachable ? "\(error)" : String(reflecting: error)
            throw ValidationError("Cannot open the PostgreSQL database \(redactedPath): \(reason)")
        }
    }

    /// Whether `--db` names a PostgreSQL database (a `postgresql://` URL) rather than an SQLite file.
    var isPostgres: Bool { PostgresLocation.isPostgresURL(path) }

    /// `--db` as it may be shown: a PostgreSQL URL without its password.
    var redactedPath: String {
        guard isPostgres, let location = try? PostgresLocation(parsing: path) else { return path }
        return location.redactedDescription
    }

    /// The SQLite file itself, for what only SQLite has (`consult backup`).
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
