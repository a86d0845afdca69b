import ConsultCore
import Foundation
import GRDB

/// A submission the store accepted, as its sender is told.
public struct AcceptedSubmission: Sendable, Hashable, Codable {
    package init(id: String, surveyID: String, version: Int, receivedAt: Date, editToken: String?, receipt: Receipt) {
        self.id = id
        self.surveyID = surveyID
        self.version = version
        self.receivedAt = receivedAt
        self.editToken = editToken
        self.receipt = receipt
    }

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
    package init(
        id: String, surveyID: String, version: Int, receivedAt: Date, updatedAt: Date, answersJSON: String,
        declaredSector: String, otherSectorText: String?, finalSector: String, country: String?, region: String?,
        publication: PublicationChoice, level: String?
    ) {
        self.id = id
        self.surveyID = surveyID
        self.version = version
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.answersJSON = answersJSON
        self.declaredSector = declaredSector
        self.otherSectorText = otherSectorText
        self.finalSector = finalSector
        self.country = country
        self.region = region
        self.publication = publication
        self.level = level
    }

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
    public let publication: PublicationChoice
    public let level: String?
}

/// A submission's sector as declared and as the analysis counts it.
public struct SectorAssignment: Sendable, Hashable {
    package init(declared: String, otherText: String?, final: String) {
        self.declared = declared
        self.otherText = otherText
        self.final = final
    }

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
    /// that transaction is committed. `client` (the sender's address) is kept only as a keyed hash.
    public func submit(
        _ answers: AnswerSet, to survey: Survey, receivedAt: Date, idempotency: IdempotentRequest? = nil,
        fileOwner: String? = nil, client: String? = nil
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        let clientKey = client.map { clientKeys.key($0, survey: survey.id.rawValue) }
        let prepared = try prepareSubmission(answers, of: survey, receivedAt: receivedAt, book: try await codeBook(covering: survey))
        return try await committer.perform { [self] db in
            let keyHash = idempotency.map { replySealer.keyHash($0.key, scope: survey.id.rawValue) }
            if let idempotency, let keyHash,
                let row = try Row.fetchOne(
                    db, sql: "SELECT request_sha256, sealed_response FROM idempotency_key WHERE key_hash = ?",
                    arguments: [keyHash])
            {
                guard Secret.constantTimeEqual(row["request_sha256"], idempotency.requestSHA256) else {
                    return .init(outcome: .idempotencyConflict)
                }
                let reply = try replySealer.open(row["sealed_response"], idempotencyKey: idempotency.key)
                return .init(outcome: .accepted(try JSONDecoder().decode(AcceptedSubmission.self, from: reply)))
            }
            if let refusal = try refusal(for: survey, at: receivedAt, in: db) { return .init(outcome: refusal) }

            let accepted = try insert(prepared, in: db)
            // Position papers: the files the answers name join the submission in this transaction.
            if survey.hasFileQuestions {
                try AttachmentBinding.bind(
                    answers, submissionID: accepted.id, owners: fileOwner.map { [Secret.hash($0)] } ?? [], at: receivedAt,
                    in: db)
            }
            if let clientKey { try SQLiteCampaignSignalStore.record(clientKey, ofSubmission: accepted.id, in: db) }
            if let idempotency, let keyHash {
                let sealed = try replySealer.seal(JSONEncoder().encode(accepted), idempotencyKey: idempotency.key)
                try db.execute(
                    sql: "INSERT INTO idempotency_key (key_hash, request_sha256, sealed_response, created_at_ms) VALUES (?, ?, ?, ?)",
                    arguments: [keyHash, idempotency.requestSHA256, sealed, receivedAt.milliseconds])
            }
            return .init(outcome: .accepted(accepted), tallies: prepared.tallies)
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

    /// Stores a new submission and counts it in the tallies.
    func insertSubmission(
        _ answers: AnswerSet, of survey: Survey, receivedAt: Date, book: AnswerCodeBook, languages: TextLanguages,
        in db: Database
    ) throws -> AcceptedSubmission {
        let prepared = try prepareSubmission(answers, of: survey, receivedAt: receivedAt, book: book, languages: languages)
        let accepted = try insert(prepared, in: db)
        try prepared.tallies.apply(in: db)
        return accepted
    }

    /// Everything a new submission needs that does not depend on the database — its id and
    /// edit token, profile, canonical answers, encoded answer rows, tally changes, signed
    /// receipt and its free texts' languages (unless `languages` were guessed already) — computed
    /// before the write transaction, so that the single writer only inserts.
    func prepareSubmission(
        _ answers: AnswerSet, of survey: Survey, receivedAt: Date, book: AnswerCodeBook, languages: TextLanguages? = nil
    ) throws -> PreparedSubmission {
        let id = Secret.newID()
        let content = VersionContent(answers, of: survey, preparingReadingRoom: false)
        let (canonical, hash, profile) = (content.canonical, content.answersSHA256, content.profile)
        let openTexts = content.openTexts
        return PreparedSubmission(
            id: id, token: Secret.newToken(), surveyID: survey.id.rawValue, receivedAt: receivedAt,
            profile: profile, level: content.level, canonical: canonical,
            answersSHA256: hash, rows: try content.rows.map(book.encode),
            tallies: content.tallies(survey: survey.id, sector: profile.finalSector.rawValue),
            receipt: try receipts.receipt(
                surveyID: survey.id.rawValue, submissionID: id, version: 1, receivedAt: receivedAt, answersSHA256: hash),
            openTexts: openTexts, languages: languages ?? textLanguages(of: openTexts))
    }

    func insert(_ prepared: PreparedSubmission, in db: Database) throws -> AcceptedSubmission {
        let profile = prepared.profile
        // Cached statements here and below: compiling this insert (with its trigger) for every
        // submission was a tenth of the writer's time.
        try db.cachedStatement(
            sql: """
                INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash,
                    declared_sector, other_sector_text, classified_sector, country, region, publication, level)
                VALUES (?, ?, ?, ?, 1, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                prepared.id, prepared.surveyID, prepared.receivedAt.milliseconds, prepared.receivedAt.milliseconds,
                Secret.hash(prepared.token), profile.declaredSector.rawValue, ExactText.bindable(profile.otherSectorText),
                profile.finalSector.rawValue, profile.country?.alpha2, profile.country?.m49SubRegion,
                profile.publication.rawValue, prepared.level,
            ])
        let seq = db.lastInsertedRowID
        try SQLiteRespondentDirectory.record(pseudonyms.pseudonym(for: prepared.id), of: seq, in: db)
        try writeVersion(
            1, of: seq, canonical: prepared.canonical, answersSHA256: prepared.answersSHA256,
            rows: prepared.rows, receivedAt: prepared.receivedAt, in: db)
        if maintainsOpenTexts { try OpenTextIndex.insert(prepared.openTexts, languages: prepared.languages, of: seq, in: db) }
        return AcceptedSubmission(
            id: prepared.id, surveyID: prepared.surveyID, version: 1, receivedAt: prepared.receivedAt,
            editToken: prepared.token, receipt: prepared.receipt)
    }

    /// Keeps a version whole and replaces the submission's answer rows with its answers.
    private func writeVersion(
        _ version: Int, of seq: Int64, canonical: String, answersSHA256: String, rows: [EncodedAnswer],
        receivedAt: Date, in db: Database
    ) throws {
        try db.cachedStatement(
            sql: "INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [seq, version, receivedAt.milliseconds, canonical, answersSHA256])
        try writeAnswerRows(rows, of: seq, replacing: version > 1, in: db)
    }

    /// The submission `id` if `token` is its edit token.
    public func submission(id: String, token: String) async throws -> StoredSubmission {
        let found: (tokenHash: Data, submission: StoredSubmission)? = try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.*, \(ExactText.select("s.other_sector_text")) AS other_sector_bytes, v.answers_json FROM submission s
                JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
                WHERE s.id = ?
                """, arguments: [id])
            else { return nil }
            return (row["edit_token_hash"], StoredSubmission(
                id: row["id"], surveyID: row["survey_id"], version: row["version"],
                receivedAt: Date(milliseconds: row["received_at_ms"]), updatedAt: Date(milliseconds: row["updated_at_ms"]),
                answersJSON: row["answers_json"], declaredSector: row["declared_sector"],
                otherSectorText: ExactText.decode(row["other_sector_bytes"]), finalSector: row["final_sector"], country: row["country"],
                region: row["region"], publication: PublicationChoice(stored: row["publication"]), level: row["level"]))
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
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date, fileOwner: String? = nil
    ) async throws -> SubmissionOutcome {
        let receivedAt = receivedAt.truncatedToMilliseconds
        let book = try await codeBook(covering: survey)
        let languages = textLanguages(of: answers, survey: survey)
        return try await pool.write { db in
            let outcome = try replaceAnswers(
                of: id, token: token, with: answers, survey: survey, receivedAt: receivedAt, book: book, languages: languages,
                in: db)
            // Position papers: kept, added and removed files change in the same transaction.
            if case .accepted = outcome, survey.hasFileQuestions {
                try AttachmentBinding.bind(
                    answers, submissionID: id, owners: fileOwner.map { [Secret.hash($0)] } ?? [], at: receivedAt, in: db)
            }
            return outcome
        }
    }

    /// Stores `answers` as the next version of submission `id`, and moves its counts in the tallies
    /// from the old answers and sector to the new ones.
    func replaceAnswers(
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date, book: AnswerCodeBook,
        languages: TextLanguages, in db: Database
    ) throws -> SubmissionOutcome {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT seq, version, edit_token_hash, sector_override, final_sector FROM submission WHERE id = ? AND survey_id = ?",
            arguments: [id, survey.id.rawValue])
        else { throw AccessFailure.notFound }
        guard Secret.constantTimeEqual(row["edit_token_hash"], Secret.hash(token)) else { throw AccessFailure.wrongToken }
        if let refusal = try refusal(for: survey, at: receivedAt, in: db) { return refusal }
        let seq: Int64 = row["seq"]
        let version: Int = row["version"] + 1
        let profile = survey.profile(of: answers)
        var tallies = TallyDelta()
        tallies.add(try answerRows(of: seq, in: db), survey: survey.id.rawValue, sector: row["final_sector"], sign: -1)
        try db.execute(
            sql: """
                UPDATE submission SET version = ?, updated_at_ms = ?, declared_sector = ?, other_sector_text = CAST(? AS TEXT),
                    classified_sector = ?, country = ?, region = ?, publication = ?, level = ?
                WHERE seq = ?
                """,
            arguments: [
                version, receivedAt.milliseconds, profile.declaredSector.rawValue, ExactText.bindable(profile.otherSectorText),
                profile.finalSector.rawValue, profile.country?.alpha2, profile.country?.m49SubRegion,
                profile.publication.rawValue, survey.level(for: answers)?.rawValue, seq,
            ])
        let canonical = answers.canonicalText
        let hash = Receipt.answersHash(canonical)
        let rows = AnswerRows.rows(of: answers)
        try writeVersion(
            version, of: seq, canonical: canonical, answersSHA256: hash, rows: try rows.map(book.encode),
            receivedAt: receivedAt, in: db)
        if maintainsOpenTexts {
            try OpenTextIndex.replace(
                of: seq, with: OpenTexts(answers: answers, otherSectorText: profile.otherSectorText), languages: languages, in: db)
        }
        // The final sector is the organizers' override, if any, else the new classification.
        let override: String? = row["sector_override"]
        tallies.add(rows, survey: survey.id.rawValue, sector: override ?? profile.finalSector.rawValue, sign: 1)
        try tallies.apply(in: db)
        let receipt = try receipts.receipt(
            surveyID: survey.id.rawValue, submissionID: id, version: version, receivedAt: receivedAt, answersSHA256: hash)
        return .accepted(AcceptedSubmission(
            id: id, surveyID: survey.id.rawValue, version: version, receivedAt: receivedAt, editToken: nil,
            receipt: receipt))
    }

    /// Sets the sector the analysis counts a submission in, with an audit entry. Returns the stored submission's
    /// survey id, or nil if there is no such submission.
    public func reassignSector(
        of id: String, to sector: String, actor: String, reason: String, at instant: Date
    ) async throws -> SectorAssignment? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: """
                    SELECT seq, survey_id, final_sector, declared_sector, \(ExactText.select("other_sector_text")) AS other_sector_text
                    FROM submission WHERE id = ?
                    """,
                arguments: [id])
            else { return nil }
            try db.execute(sql: "UPDATE submission SET sector_override = ? WHERE id = ?", arguments: [sector, id])
            let rows = try answerRows(of: row["seq"], in: db)
            var tallies = TallyDelta()
            tallies.add(rows, survey: row["survey_id"], sector: row["final_sector"], sign: -1)
            tallies.add(rows, survey: row["survey_id"], sector: sector, sign: 1)
            try tallies.apply(in: db)
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: "sector.reassigned", surveyID: row["survey_id"], subject: id,
                oldValue: row["final_sector"], newValue: sector, reason: reason), in: db)
            return SectorAssignment(declared: row["declared_sector"], otherText: ExactText.decode(row["other_sector_text"]), final: sector)
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

/// A new submission ready to be inserted (see ``ConsultDatabase/prepareSubmission(_:of:receivedAt:book:)``).
struct PreparedSubmission: Sendable {
    let id: String
    let token: String
    let surveyID: String
    let receivedAt: Date
    let profile: RespondentProfile
    let level: String?
    let canonical: String
    let answersSHA256: String
    let rows: [EncodedAnswer]
    /// The submission's counts in the tallies.
    let tallies: TallyDelta
    let receipt: Receipt
    /// Its free texts, for the reading room's search.
    let openTexts: OpenTexts
    /// Their languages (lang, issue 15).
    let languages: TextLanguages
}

// lang (issue 15): the languages of a version's free texts, guessed before the write transaction.
extension ConsultDatabase {
    /// CLD2's guesses for `texts`, or none when this store keeps no reading-room texts.
    func textLanguages(of texts: OpenTexts) -> TextLanguages {
        maintainsOpenTexts && guessesLanguages ? TextLanguages(texts) : .none
    }

    /// CLD2's guesses for the free texts of `answers` to `survey`.
    func textLanguages(of answers: AnswerSet, survey: Survey) -> TextLanguages {
        guard maintainsOpenTexts && guessesLanguages else { return .none }
        return TextLanguages(OpenTexts(answers: answers, otherSectorText: survey.profile(of: answers).otherSectorText))
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
        let book = try await codeBook(covering: survey)
        // Prepared on every core, in order.
        let chunk = max(1, (batch.count + ProcessInfo.processInfo.activeProcessorCount - 1) / ProcessInfo.processInfo.activeProcessorCount)
        let prepared = try await withThrowingTaskGroup(of: (Int, [PreparedSubmission]).self) { group in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let part = Array(batch[start..<min(start + chunk, batch.count)])
                group.addTask {
                    (start, try part.map {
                        try self.prepareSubmission($0.answers, of: survey, receivedAt: $0.receivedAt.truncatedToMilliseconds, book: book)
                    })
                }
            }
            return try await group.reduce(into: [(Int, [PreparedSubmission])]()) { $0.append($1) }
                .sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        try await pool.write { db in
            var tallies = TallyDelta()
            for submission in prepared {
                _ = try insert(submission, in: db)
                tallies.add(submission.tallies)
            }
            try tallies.apply(in: db)
        }
    }
}

extension PublicationChoice {
    /// The choice as the `publication` column stores it; the schema admits only the three
    /// choices, and anything else would be withheld as confidential, the safe reading.
    package init(stored: String) {
        self = PublicationChoice(rawValue: stored) ?? .confidential
    }
}
