import ConsultCore
import Foundation
import GRDB
import Synchronization

/// The consult database: one SQLite file in WAL mode, owned by this type. Nothing
/// else writes SQL; callers use its intent-revealing methods.
///
/// Writes go through GRDB's single writer, so concurrent requests queue instead of
/// meeting `SQLITE_BUSY`; reads run concurrently beside them.
public final class ConsultDatabase: Sendable {
    let pool: DatabasePool
    /// Signs receipts with the server's Ed25519 key, created on first start.
    public let receipts: ReceiptSigner
    /// Seals the replies kept for idempotent retries.
    let replySealer: ReplySealer
    /// Makes the respondent ids exports show.
    public let pseudonyms: Pseudonymizer
    /// Makes and checks the anti-forgery tokens of web forms.
    public let formTokens: FormTokenSigner
    /// Commits concurrent submissions together.
    let committer: GroupCommitter
    /// The codes of the ids answer rows store, as far as this process knows them.
    let codes: Mutex<AnswerCodeBook>
    /// Whether storing and editing keep the reading room's `open_text` and its search index (only
    /// the ingest benchmark turns this off, to measure what the index costs).
    let maintainsOpenTexts: Bool
    /// Whether the texts' languages are guessed (lang, issue 15; only the ingest benchmark turns this
    /// off, to measure what the guess costs: the texts are then stored as undetermined).
    let guessesLanguages: Bool
    /// campaigns: keys the client addresses of new submissions (the ballot-stuffing signals).
    public let clientKeys: ClientAddressKeyer

    /// Opens (creating and migrating if needed) the database at `path`. `openTextIndex: false`
    /// stores submissions without their reading-room texts: for measuring the index's cost only.
    public init(path: String, openTextIndex: Bool = true, textLanguages: Bool = true) throws {
        maintainsOpenTexts = openTextIndex
        guessesLanguages = textLanguages
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL with synchronous=FULL: every commit is fsynced before it returns, so an
            // acknowledged submission survives a crash of the process *and* of the machine.
            // (NORMAL would only survive the process.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // lang (issue 15): the language rule, for filters and counts in SQL.
            db.add(function: LanguageVerdictFunction.function)
        }
        // Readers and the checkpointer may hold locks briefly; wait rather than fail.
        configuration.busyMode = .timeout(10)
        // Several processes may open one new file at once (nodes sharing it): one turns on WAL, migrates
        // and makes the keys, the others wait and find them made. Without the lock the second to switch a
        // new file to WAL fails at once (SQLite does not wait for that lock), and GRDB, which runs each
        // migration in a transaction of its own, could have both start the same migration.
        let (pool, secrets) = try FileLock.holding(path + "-lock") {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(pool)
            return (pool, try pool.write { db in try ServerSecrets.loadOrCreate(db) })
        }
        self.pool = pool
        receipts = secrets.signer
        replySealer = secrets.sealer
        pseudonyms = secrets.pseudonyms
        formTokens = secrets.formTokens
        clientKeys = secrets.clientKeys
        committer = GroupCommitter(writer: pool)
        codes = Mutex(try pool.read(Self.loadCodeBook))
    }

    /// Checkpoints the WAL and closes every connection.
    public func close() throws {
        pool.writeWithoutTransaction { db in
            _ = try? db.checkpoint(.truncate)
        }
        try pool.close()
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

extension Date {
    /// Milliseconds since 1970, as the store keeps instants (truncated).
    ///
    /// A `Date` holds seconds since 2001 as a `Double`, so an instant made from whole milliseconds
    /// (a parsed deadline, a stored one read back) can come out a hair below its millisecond:
    /// within a microsecond of the next whole millisecond counts as that millisecond, so that
    /// `Date(milliseconds: m).milliseconds == m` for every stored `m`.
    package var milliseconds: Int64 {
        let scaled = timeIntervalSince1970 * 1000
        let nearest = scaled.rounded()
        return Int64(nearest - scaled < 0.001 && nearest >= scaled ? nearest : scaled.rounded(.down))
    }

    package init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// This instant truncated to the millisecond, the precision receipts and the deadline rule use.
    public var truncatedToMilliseconds: Date { Date(milliseconds: milliseconds) }
}

extension ConsultDatabase {
    /// "ok" when the database answers a query.
    public func ping() async throws -> String {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 ? "ok" : "unexpected answer" }
    }
}
