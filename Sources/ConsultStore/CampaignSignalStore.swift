// campaigns: the keyed client-address hash of each submission, and the signals of ballot stuffing.
import ConsultCore
import Crypto
import Foundation
import GRDB

/// Turns a client address into what the store keeps of it: an HMAC-SHA256 under a server secret,
/// scoped to the survey, so the stored value cannot be turned back into an address (nor matched
/// across surveys) without the database's secret.
public struct ClientAddressKeyer: Sendable {
    let keyBytes: Data

    /// The keyed hash of `address` for submissions to `survey`.
    public func key(_ address: String, survey: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(survey)\n\(address)".utf8), using: SymmetricKey(data: keyBytes)))
    }

    /// Its key's name in `server_secret`.
    static let secretName = "client-address-hmac"
}

/// The signals of ballot stuffing (``StuffingSignals``) over a campaign's members or a whole survey.
public struct SQLiteCampaignSignalStore: CampaignSignalStore {
    let database: ConsultDatabase

    /// Migration "v13-campaign-signals".
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            -- The keyed hash (HMAC, server secret, scoped to the survey) of the client address a
            -- submission came from; never the address. Submissions imported or stored before this
            -- migration have no row.
            CREATE TABLE submission_client (
                submission_seq INTEGER PRIMARY KEY REFERENCES submission(seq),
                client_key BLOB NOT NULL CHECK (length(client_key) = 32)
            );
            CREATE INDEX submission_client_by_key ON submission_client(client_key);
            """)
    }

    /// Keeps the client key of the submission just stored, in the storing transaction.
    static func record(_ clientKey: Data, ofSubmission id: String, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO submission_client (submission_seq, client_key) SELECT seq, ? FROM submission WHERE id = ?")
            .execute(arguments: [clientKey, id])
    }

    /// The signals over the members of cluster `cluster` of `survey`.
    public func signals(ofCluster cluster: Int64, survey: String) async throws -> StuffingSignals {
        try await database.pool.read { db in
            try Self.signals(in: db, members: """
                SELECT s.seq FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
                WHERE m.cluster_id = ? AND s.survey_id = ?
                """, arguments: [cluster, survey])
        }
    }

    /// The address and burst signals over every submission of `survey` (identical closed answers
    /// are compared within campaigns only: over a whole survey they would read every answer).
    public func signals(ofSurvey survey: String) async throws -> StuffingSignals {
        try await database.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.client_key, s.received_at_ms FROM submission s
                LEFT JOIN submission_client c ON c.submission_seq = s.seq WHERE s.survey_id = ?
                """, arguments: [survey])
            var submissions: [StuffingSignals.Submission] = []
            while let row = try rows.next() {
                submissions.append(StuffingSignals.Submission(
                    clientKey: row[0] as Data?, closedAnswers: "", receivedAt: Date(milliseconds: row[1])))
            }
            return StuffingSignals(submissions)
        }
    }

    /// Reads each member's client key, closed answers (its answer values without text, in order)
    /// and arrival, from the query `members` selecting submission seqs.
    private static func signals(in db: Database, members: String, arguments: StatementArguments) throws -> StuffingSignals {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT s.seq, c.client_key, s.received_at_ms,
                (SELECT group_concat(v.question || ':' || ifnull(v.item, '') || ':' || ifnull(v.option, '') || ':'
                        || ifnull(v.number, ''), ';')
                 FROM (SELECT question, item, option, number FROM answer_value
                       WHERE submission_seq = s.seq AND (text IS NULL OR option IS NOT NULL) ORDER BY position) v) AS closed
            FROM submission s LEFT JOIN submission_client c ON c.submission_seq = s.seq
            WHERE s.seq IN (\(members))
            """, arguments: arguments)
        var submissions: [StuffingSignals.Submission] = []
        while let row = try rows.next() {
            submissions.append(StuffingSignals.Submission(
                clientKey: row["client_key"] as Data?, closedAnswers: (row["closed"] as String?) ?? "",
                receivedAt: Date(milliseconds: row["received_at_ms"])))
        }
        return StuffingSignals(submissions)
    }
}

extension ConsultDatabase {
    /// campaigns: the signals of ballot stuffing.
    public var campaignSignals: any CampaignSignalStore { SQLiteCampaignSignalStore(database: self) }
}
