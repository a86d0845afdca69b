import ConsultCore
import Foundation
import GRDB

/// A submission as the reading room shows it to analysts: its profile facts and its versions.
public struct RespondentFile: Sendable, Hashable {
    package init(
        seq: Int64, surveyID: String, respondent: String, version: Int, receivedAt: Date, updatedAt: Date,
        declaredSector: String, otherSectorText: String?, finalSector: String, country: String?, region: String?,
        publication: PublicationChoice, level: String?, versions: [Version]
    ) {
        self.seq = seq
        self.surveyID = surveyID
        self.respondent = respondent
        self.version = version
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.declaredSector = declaredSector
        self.otherSectorText = otherSectorText
        self.finalSector = finalSector
        self.country = country
        self.region = region
        self.publication = publication
        self.level = level
        self.versions = versions
    }

    /// One stored version of the answers.
    public struct Version: Sendable, Hashable {
        package init(number: Int, receivedAt: Date, answersJSON: String) {
            self.number = number
            self.receivedAt = receivedAt
            self.answersJSON = answersJSON
        }

        public let number: Int
        public let receivedAt: Date
        public let answersJSON: String
    }

    public let seq: Int64
    public let surveyID: String
    /// The pseudonymous respondent id the exports show.
    public let respondent: String
    public let version: Int
    public let receivedAt: Date
    public let updatedAt: Date
    public let declaredSector: String
    public let otherSectorText: String?
    public let finalSector: String
    public let country: String?
    public let region: String?
    public let publication: PublicationChoice
    public let level: String?
    /// The versions asked for, latest last (only the latest unless every version was asked for).
    public let versions: [Version]

    /// The latest version.
    public var current: Version? { versions.last }
}

/// Finds a submission from the pseudonymous respondent id that exports and the reading room
/// show. The id is a keyed hash, so it cannot be turned back: the store keeps a lookup table,
/// filled in the transaction that stores a submission and, for older ones, by migration
/// "v8-respondent-pseudonyms".
public struct SQLiteRespondentDirectory: RespondentDirectory {
    let database: ConsultDatabase

    /// The respondent `pseudonym` of `survey` with the latest version, or every version when
    /// `allVersions`; nil when there is none.
    public func file(_ pseudonym: String, of survey: String, allVersions: Bool = false) async throws -> RespondentFile? {
        try await database.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.*, \(ExactText.select("s.other_sector_text")) AS other_sector_bytes
                FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq
                WHERE p.pseudonym = ? AND s.survey_id = ? ORDER BY s.seq LIMIT 1
                """, arguments: [pseudonym, survey])
            else { return nil }
            let current: Int = row["version"]
            let versions = try Row.fetchAll(db, sql: """
                SELECT version, received_at_ms, answers_json FROM submission_version
                WHERE submission_seq = ? AND version >= ? ORDER BY version
                """, arguments: [row["seq"], allVersions ? 1 : current]
            ).map { RespondentFile.Version(
                number: $0["version"], receivedAt: Date(milliseconds: $0["received_at_ms"]), answersJSON: $0["answers_json"]) }
            return RespondentFile(
                seq: row["seq"], surveyID: row["survey_id"], respondent: pseudonym, version: current,
                receivedAt: Date(milliseconds: row["received_at_ms"]), updatedAt: Date(milliseconds: row["updated_at_ms"]),
                declaredSector: row["declared_sector"], otherSectorText: ExactText.decode(row["other_sector_bytes"]),
                finalSector: row["final_sector"], country: row["country"], region: row["region"],
                publication: PublicationChoice(stored: row["publication"]), level: row["level"], versions: versions)
        }
    }

    /// The answers of one version of a submission, as stored; nil when there is no such version.
    public func answersJSON(of seq: Int64, version: Int) async throws -> String? {
        try await database.pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT answers_json FROM submission_version WHERE submission_seq = ? AND version = ?",
                arguments: [seq, version])
        }
    }

    /// Keeps `pseudonym` → submission, in the storing transaction.
    static func record(_ pseudonym: String, of seq: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO respondent_pseudonym (pseudonym, submission_seq) VALUES (?, ?)")
            .execute(arguments: [pseudonym, seq])
    }

    /// Migration "v8-respondent-pseudonyms": the lookup table, filled for every stored submission
    /// with the server's pseudonym key (created here if the database has none yet, as at first start).
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            -- The pseudonymous respondent id of each submission, to find it from what exports and pages show.
            CREATE TABLE respondent_pseudonym (
                pseudonym TEXT NOT NULL,
                submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                PRIMARY KEY (pseudonym, submission_seq)
            ) WITHOUT ROWID;
            """)
        let pseudonyms = try ServerSecrets.loadOrCreate(db).pseudonyms
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, id FROM submission ORDER BY seq")
        let insert = try db.makeStatement(sql: "INSERT INTO respondent_pseudonym (pseudonym, submission_seq) VALUES (?, ?)")
        while let row = try rows.next() {
            let id: String = row["id"]
            let seq: Int64 = row["seq"]
            try insert.execute(arguments: [pseudonyms.pseudonym(for: id), seq])
        }
    }
}

extension ConsultDatabase {
    /// Finds submissions by their pseudonymous respondent id.
    public var respondents: any RespondentDirectory { SQLiteRespondentDirectory(database: self) }
}
