import ConsultCore
import Foundation
import GRDB

/// A submission the store accepted, as its sender is told.
public struct AcceptedSubmission: Sendable, Hashable, Codable {
    public let id: String
    public let surveyID: String
    public let version: Int
    public let receivedAt: Date
    /// The secret that lets the respondent read and edit the submission; nil after an edit.
    public let editToken: String?
    public let receipt: Receipt
}

/// The outcome of asking the store to take a submission.
public enum SubmissionOutcome: Sendable {
    case accepted(AcceptedSubmission)
    /// Refused because the survey was not open at the receive instant (nothing stored, the attempt counted).
    case refused(SurveyWindow.Status, window: SurveyWindow, receivedAt: Date)
    /// The idempotency key was used before with another request.
    case idempotencyConflict
}

/// A retry-safe request: the client's key, and a hash of what it sent.
public struct IdempotentRequest: Sendable {
    public let key: String
    public let requestSHA256: Data

    public init(key: String, body: Data) {
        self.key = key
        requestSHA256 = Secret.hash(String(decoding: body, as: UTF8.self))
    }
}

/// A stored submission as its owner reads it.
public struct StoredSubmission: Sendable, Hashable {
    public let id: String
    public let surveyID: String
    public let version: Int
    public let receivedAt: Date
    public let updatedAt: Date
    /// The latest version's answers in canonical JSON.
    public let answersJSON: String
    public let declaredSector: String
    public let otherSectorText: String?
    public let finalSector: String
    public let country: String?
    public let region: String?
    public let publication: String
    public let level: String?
}

/// A submission's sector as declared and as the analysis counts it.
public struct SectorAssignment: Sendable, Hashable {
    public let declared: String
    public let otherText: String?
    public let final: String
}

/// Why the store did not find or let through a request on one submission or draft.
public enum AccessFailure: Error, Sendable {
    case notFound
    case wrongToken
}

extension ConsultDatabase {
    /// Stores `answers` as a new submission if the survey is open at `receivedAt`, deciding
    /// the deadline inside the storing transaction (against the deadline in force then).
    ///
    /// Concurrent submissions share one transaction (group commit); each returns only once
    /// that transaction is committed.
    public func submit(
        _ answers: AnswerSet, to survey: Survey, receivedAt: Date, idempotency: IdempotentRequest? = nil
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        let prepared = try prepareSubmission(answers, of: survey, receivedAt: receivedAt)
        return try await committer.perform { [self] db in
            let keyHash = idempotency.map { replySealer.keyHash($0.key, scope: survey.id.rawValue) }
            if let idempotency, let keyHash,
                let row = try Row.fetchOne(
                    db, sql: "SELECT request_sha256, sealed_response FROM idempotency_key WHERE key_hash = ?",
                    arguments: [keyHash])
            {
                guard Secret.constantTimeEqual(row["request_sha256"], idempotency.requestSHA256) else {
                    return .idempotencyConflict
                }
                let reply = try replySealer.open(row["sealed_response"], idempotencyKey: idempotency.key)
                return .accepted(try JSONDecoder().decode(AcceptedSubmission.self, from: reply))
            }
            if let refusal = try refusal(for: survey, at: receivedAt, in: db) { return refusal }

            let accepted = try insert(prepared, in: db)
            if let idempotency, let keyHash {
                let sealed = try replySealer.seal(JSONEncoder().encode(accepted), idempotencyKey: idempotency.key)
                try db.execute(
                    sql: "INSERT INTO idempotency_key (key_hash, request_sha256, sealed_response, created_at_ms) VALUES (?, ?, ?, ?)",
                    arguments: [keyHash, idempotency.requestSHA256, sealed, receivedAt.milliseconds])
            }
            return .accepted(accepted)
        }
    }

    /// The refusal for a submission received outside the survey's window (counting the attempt), or nil.
    func refusal(for survey: Survey, at receivedAt: Date, in db: Database) throws -> SubmissionOutcome? {
        let window = try window(of: survey, in: db)
        let status = window.status(at: receivedAt)
        guard status != .open else { return nil }
        try db.execute(
            sql: "INSERT INTO refused_attempt (survey_id, attempted_at_ms, reason) VALUES (?, ?, ?)",
            arguments: [survey.id.rawValue, receivedAt.milliseconds, status == .upcoming ? "not-yet-open" : "deadline-passed"])
        return .refused(status, window: window, receivedAt: receivedAt)
    }

    func insertSubmission(_ answers: AnswerSet, of survey: Survey, receivedAt: Date, in db: Database) throws
        -> AcceptedSubmission
    {
        try insert(try prepareSubmission(answers, of: survey, receivedAt: receivedAt), in: db)
    }

    /// Everything a new submission needs that does not depend on the database — its id and
    /// edit token, profile, canonical answers, answer rows and signed receipt — computed
    /// before the write transaction, so that the single writer only inserts.
    func prepareSubmission(_ answers: AnswerSet, of survey: Survey, receivedAt: Date) throws -> PreparedSubmission {
        let id = Secret.newID()
        let canonical = answers.canonicalText
        let hash = Receipt.answersHash(canonical)
        return PreparedSubmission(
            id: id, token: Secret.newToken(), surveyID: survey.id.rawValue, receivedAt: receivedAt,
            profile: survey.profile(of: answers), level: survey.level(for: answers)?.rawValue, canonical: canonical,
            answersSHA256: hash, rows: AnswerRows.rows(of: answers),
            receipt: try receipts.receipt(
                surveyID: survey.id.rawValue, submissionID: id, version: 1, receivedAt: receivedAt, answersSHA256: hash))
    }

    func insert(_ prepared: PreparedSubmission, in db: Database) throws -> AcceptedSubmission {
        let profile = prepared.profile
        try db.execute(
            sql: """
                INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash,
                    declared_sector, other_sector_text, classified_sector, country, region, publication, level)
                VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                prepared.id, prepared.surveyID, prepared.receivedAt.milliseconds, prepared.receivedAt.milliseconds,
                Secret.hash(prepared.token), profile.declaredSector.rawValue, profile.otherSectorText,
                profile.finalSector.rawValue, profile.country?.alpha2, profile.country?.m49SubRegion,
                profile.publication.rawValue, prepared.level,
            ])
        try writeVersion(
            1, of: db.lastInsertedRowID, canonical: prepared.canonical, answersSHA256: prepared.answersSHA256,
            rows: prepared.rows, receivedAt: prepared.receivedAt, in: db)
        return AcceptedSubmission(
            id: prepared.id, surveyID: prepared.surveyID, version: 1, receivedAt: prepared.receivedAt,
            editToken: prepared.token, receipt: prepared.receipt)
    }

    /// Keeps version `version` whole, replaces the aggregation rows with its answers, and signs its receipt.
    func storeVersion(
        _ version: Int, of seq: Int64, id: String, survey: Survey, answers: AnswerSet, receivedAt: Date, in db: Database
    ) throws -> Receipt {
        let canonical = answers.canonicalText
        let hash = Receipt.answersHash(canonical)
        try writeVersion(
            version, of: seq, canonical: canonical, answersSHA256: hash, rows: AnswerRows.rows(of: answers),
            receivedAt: receivedAt, in: db)
        return try receipts.receipt(
            surveyID: survey.id.rawValue, submissionID: id, version: version, receivedAt: receivedAt, answersSHA256: hash)
    }

    /// Keeps a version whole and replaces the submission's aggregation rows with its answers.
    private func writeVersion(
        _ version: Int, of seq: Int64, canonical: String, answersSHA256: String, rows: [AnswerRows.Row],
        receivedAt: Date, in db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256) VALUES (?, ?, ?, ?, ?)",
            arguments: [seq, version, receivedAt.milliseconds, canonical, answersSHA256])
        if version > 1 { try db.execute(sql: "DELETE FROM answer WHERE submission_seq = ?", arguments: [seq]) }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO answer (submission_seq, question, item, option, number, text) VALUES (?, ?, ?, ?, ?, ?)")
        for row in rows {
            try insert.execute(arguments: [seq, row.question, row.item, row.option, row.number, row.text])
        }
    }

    /// The submission `id` if `token` is its edit token.
    public func submission(id: String, token: String) async throws -> StoredSubmission {
        let found: (tokenHash: Data, submission: StoredSubmission)? = try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.*, v.answers_json FROM submission s
                JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
                WHERE s.id = ?
                """, arguments: [id])
            else { return nil }
            return (row["edit_token_hash"], StoredSubmission(
                id: row["id"], surveyID: row["survey_id"], version: row["version"],
                receivedAt: Date(milliseconds: row["received_at_ms"]), updatedAt: Date(milliseconds: row["updated_at_ms"]),
                answersJSON: row["answers_json"], declaredSector: row["declared_sector"],
                otherSectorText: row["other_sector_text"], finalSector: row["final_sector"], country: row["country"],
                region: row["region"], publication: row["publication"], level: row["level"]))
        }
        guard let found else { throw AccessFailure.notFound }
        guard Secret.constantTimeEqual(found.tokenHash, Secret.hash(token)) else { throw AccessFailure.wrongToken }
        return found.submission
    }

    /// The survey a submission belongs to, whatever the token; nil if there is no such submission.
    public func surveyID(ofSubmission id: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT survey_id FROM submission WHERE id = ?", arguments: [id]) }
    }

    /// Replaces the answers of submission `id` (keeping every earlier version) if `token`
    /// is its edit token and the survey is open at `receivedAt`.
    public func replaceAnswers(
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        return try await pool.write { db in
            try replaceAnswers(of: id, token: token, with: answers, survey: survey, receivedAt: receivedAt, in: db)
        }
    }

    func replaceAnswers(
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date, in db: Database
    ) throws -> SubmissionOutcome {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT seq, version, edit_token_hash, sector_override FROM submission WHERE id = ? AND survey_id = ?",
            arguments: [id, survey.id.rawValue])
        else { throw AccessFailure.notFound }
        guard Secret.constantTimeEqual(row["edit_token_hash"], Secret.hash(token)) else { throw AccessFailure.wrongToken }
        if let refusal = try refusal(for: survey, at: receivedAt, in: db) { return refusal }
        let seq: Int64 = row["seq"]
        let version: Int = row["version"] + 1
        let profile = survey.profile(of: answers)
        try db.execute(
            sql: """
                UPDATE submission SET version = ?, updated_at_ms = ?, declared_sector = ?, other_sector_text = ?,
                    classified_sector = ?, country = ?, region = ?, publication = ?, level = ?
                WHERE seq = ?
                """,
            arguments: [
                version, receivedAt.milliseconds, profile.declaredSector.rawValue, profile.otherSectorText,
                profile.finalSector.rawValue, profile.country?.alpha2, profile.country?.m49SubRegion,
                profile.publication.rawValue, survey.level(for: answers)?.rawValue, seq,
            ])
        let receipt = try storeVersion(
            version, of: seq, id: id, survey: survey, answers: answers, receivedAt: receivedAt, in: db)
        return .accepted(AcceptedSubmission(
            id: id, surveyID: survey.id.rawValue, version: version, receivedAt: receivedAt, editToken: nil,
            receipt: receipt))
    }

    /// The signed receipt of the latest version of submission `id`, if `token` is its edit token.
    public func receipt(ofSubmission id: String, token: String) async throws -> Receipt {
        let submission = try await submission(id: id, token: token)
        return try receipts.receipt(
            surveyID: submission.surveyID, submissionID: submission.id, version: submission.version,
            receivedAt: submission.updatedAt, answersSHA256: Receipt.answersHash(submission.answersJSON))
    }

    /// Sets the sector the analysis counts a submission in, with an audit entry. Returns the stored submission's
    /// survey id, or nil if there is no such submission.
    public func reassignSector(
        of id: String, to sector: String, actor: String, reason: String, at instant: Date
    ) async throws -> SectorAssignment? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT survey_id, final_sector, declared_sector, other_sector_text FROM submission WHERE id = ?",
                arguments: [id])
            else { return nil }
            try db.execute(sql: "UPDATE submission SET sector_override = ? WHERE id = ?", arguments: [sector, id])
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: "sector.reassigned", surveyID: row["survey_id"], subject: id,
                oldValue: row["final_sector"], newValue: sector, reason: reason), in: db)
            return SectorAssignment(declared: row["declared_sector"], otherText: row["other_sector_text"], final: sector)
        }
    }

    /// How many submissions a survey has.
    public func submissionCount(survey: SurveyID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM submission WHERE survey_id = ?", arguments: [survey.rawValue]) ?? 0
        }
    }

    /// How many submissions were refused for arriving outside the window, by reason.
    public func refusedAttempts(survey: SurveyID) async throws -> [String: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT reason, count(*) AS n FROM refused_attempt WHERE survey_id = ? GROUP BY reason",
                arguments: [survey.rawValue])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["reason"], $0["n"]) })
        }
    }
}

/// The aggregation rows of an answer set: one per chosen option, rated item or value.
/// A new submission ready to be inserted (see ``ConsultDatabase/prepareSubmission(_:of:receivedAt:)``).
struct PreparedSubmission: Sendable {
    let id: String
    let token: String
    let surveyID: String
    let receivedAt: Date
    let profile: RespondentProfile
    let level: String?
    let canonical: String
    let answersSHA256: String
    let rows: [AnswerRows.Row]
    let receipt: Receipt
}

enum AnswerRows {
    struct Row: Sendable {
        let question: String
        var item: String? = nil
        var option: String? = nil
        var number: Double? = nil
        var text: String? = nil
    }

    static func rows(of answers: AnswerSet) -> [Row] {
        answers.answers.sorted { $0.key < $1.key }.flatMap { id, answer -> [Row] in
            let question = id.rawValue
            switch answer {
            case .choice(let option, let other):
                return [Row(question: question, option: option.rawValue, text: other)]
            case .choices(let options, let other):
                return options.map {
                    Row(question: question, option: $0.rawValue, text: $0 == ChoiceList.otherID ? other : nil)
                }
            case .scale(let value):
                return [Row(question: question, number: Double(value))]
            case .ratings(let ratings):
                return ratings.sorted { $0.key < $1.key }.map {
                    Row(question: question, item: $0.key.rawValue, number: Double($0.value))
                }
            case .text(let text), .email(let text):
                return [Row(question: question, text: text)]
            case .country(let code):
                return [Row(question: question, option: code)]
            case .number(let value):
                return [Row(question: question, number: value)]
            }
        }
    }
}

extension ConsultDatabase {
    /// Records and returns the refusal of a request received outside the survey's window,
    /// or returns nil when the survey was open then. For requests that are refused anyway.
    public func recordRefusal(for survey: Survey, at receivedAt: Date) async throws -> SubmissionOutcome? {
        let receivedAt = receivedAt.truncatedToMilliseconds
        return try await pool.write { db in try refusal(for: survey, at: receivedAt, in: db) }
    }
}

extension ConsultDatabase {
    /// Stores many checked answer sets in one transaction, each received at its given instant,
    /// without the deadline rule: for synthetic data in tests and benchmarks only.
    public func importSynthetic(_ batch: [(answers: AnswerSet, receivedAt: Date)], to survey: Survey) async throws {
        try await pool.write { db in
            for entry in batch {
                _ = try insertSubmission(entry.answers, of: survey, receivedAt: entry.receivedAt.truncatedToMilliseconds, in: db)
            }
        }
    }
}
