import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// An `INSERT … RETURNING` that returned no row: a database failure (the store's invariants say it cannot
/// happen), never a refusal, so the server answers `503` and nothing is stored.
public struct ReturnedRowMissing: Error, CustomStringConvertible {
    public let description: String
}

extension PostgresStore: SubmissionRecords {
    public func submit(
        _ answers: AnswerSet, to survey: Survey, receivedAt: Date, idempotency: IdempotentRequest?, fileOwner: String?,
        client: String?
    ) async throws -> SubmissionOutcome {
        try await registerCodes(of: [survey])
        let receivedAt = receivedAt.truncatedToMilliseconds
        let clientKey = client.map { clientKeys.key($0, survey: survey.id.rawValue) }
        let content = VersionContent(answers, of: survey)
        let (id, token) = (Secret.newID(), Secret.newToken())
        let receipt = try receipts.receipt(
            surveyID: survey.id.rawValue, submissionID: id, version: 1, receivedAt: receivedAt, answersSHA256: content.answersSHA256)
        let keyHash = idempotency.map { secrets.sealer.keyHash($0.key, scope: survey.id.rawValue) }
        return try await transaction { connection in
            if let idempotency, let keyHash, let (requestHash, sealed) = try await connection.first(
                "SELECT request_sha256, sealed_response FROM idempotency_key WHERE key_hash = \(keyHash)",
                as: (Data, Data).self, logger: logger)
            {
                guard Secret.constantTimeEqual(requestHash, idempotency.requestSHA256) else { return .idempotencyConflict }
                let reply = try secrets.sealer.open(sealed, idempotencyKey: idempotency.key)
                return .accepted(try JSONDecoder().decode(AcceptedSubmission.self, from: reply))
            }
            if let refusal = try await refusal(for: survey, at: receivedAt, on: connection) { return refusal }
            try await insert(content, id: id, token: token, survey: survey, receivedAt: receivedAt, clientKey: clientKey, on: connection)
            try await bindFiles(answers, of: survey, submissionID: id, owners: [fileOwner], at: receivedAt, on: connection)
            let accepted = AcceptedSubmission(
                id: id, surveyID: survey.id.rawValue, version: 1, receivedAt: receivedAt, editToken: token, receipt: receipt)
            if let idempotency, let keyHash {
                // Two nodes storing one key at once: the second waits here, fails on the key and runs again,
                // finding the first one's reply (see `transaction`).
                let sealed = try secrets.sealer.seal(JSONEncoder().encode(accepted), idempotencyKey: idempotency.key)
                try await connection.run(
                    """
                    INSERT INTO idempotency_key (key_hash, request_sha256, sealed_response, created_at_ms)
                    VALUES (\(keyHash), \(idempotency.requestSHA256), \(sealed), \(receivedAt.milliseconds))
                    """, logger: logger)
            }
            return .accepted(accepted)
        }
    }

    /// Inserts a new submission with its first version, answer values and counts.
    func insert(
        _ content: VersionContent, id: String, token: String, survey: Survey, receivedAt: Date, clientKey: Data?,
        on connection: PostgresConnection
    ) async throws {
        let profile = content.profile
        guard let seq = try await connection.first(
            """
            INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash, declared_sector,
                other_sector_text, classified_sector, country, region, publication, level, client_key)
            VALUES (\(id), \(survey.id.rawValue), \(receivedAt.milliseconds), \(receivedAt.milliseconds), 1, \(Secret.hash(token)),
                \(profile.declaredSector.rawValue), \(profile.otherSectorText.map { Data($0.utf8) }),
                \(profile.finalSector.rawValue), \(profile.country?.alpha2), \(profile.country?.m49SubRegion),
                \(profile.publication.rawValue), \(content.level), \(clientKey))
            RETURNING seq
            """, as: Int64.self, logger: logger)
        else { throw ReturnedRowMissing(description: "the new submission's row was not returned") }
        try await writeVersion(1, of: seq, content: content, receivedAt: receivedAt, replacing: false, on: connection)
        try await readingRoomStored(content, id: id, seq: seq, on: connection)
        try await apply(content.tallies(survey: survey.id, sector: profile.finalSector.rawValue), on: connection)
        try await queueForCampaigns(seq, version: 1, on: connection)
    }

    /// Keeps the version whole and replaces the submission's answer values with its rows.
    func writeVersion(
        _ version: Int, of seq: Int64, content: VersionContent, receivedAt: Date, replacing: Bool,
        on connection: PostgresConnection
    ) async throws {
        try await connection.run(
            """
            INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256)
            VALUES (\(seq), \(version), \(receivedAt.milliseconds), \(content.canonical), \(content.answersSHA256))
            """, logger: logger)
        if replacing { try await connection.run("DELETE FROM answer_value WHERE submission_seq = \(seq)", logger: logger) }
        guard !content.rows.isEmpty else { return }
        var binds = PostgresBindings(capacity: content.rows.count * 7)
        var values: [String] = []
        for (position, row) in content.rows.enumerated() {
            let first = binds.count + 1
            binds.append(seq)
            binds.append(Int64(position))
            binds.append(row.question)
            binds.append(row.item)
            binds.append(row.option)
            binds.append(row.number)
            try binds.append(row.text.map { Data($0.utf8) })
            values.append("(" + (first..<first + 7).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        try await connection.run(PostgresQuery(
            unsafeSQL: "INSERT INTO answer_value (submission_seq, position, question, item, option, number, text) VALUES "
                + values.joined(separator: ", "),
            binds: binds), logger: logger)
    }

    /// The stored answer values of submission `seq`, in order.
    func answerRows(of seq: Int64, on connection: PostgresConnection) async throws -> [AnswerRows.Row] {
        try await connection.all(
            "SELECT question, item, option, number, text FROM answer_value WHERE submission_seq = \(seq) ORDER BY position",
            as: (String, String?, String?, Double?, Data?).self, logger: logger
        ).map { AnswerRows.Row(question: $0.0, item: $0.1, option: $0.2, number: $0.3, text: $0.4.map { String(decoding: $0, as: UTF8.self) }) }
    }

    /// Adds the changes to the tallies in one statement per table, rows in the order ``TallyDelta/changes``
    /// fixes (so two transactions lock them in one order), all to one shard drawn at random (see
    /// `0006-tally-shards.sql`): concurrent transactions mostly touch other rows.
    func apply(_ tallies: TallyDelta, on connection: PostgresConnection) async throws {
        let shard = Int16.random(in: 0..<Self.tallyShards)
        var rows: [(table: TallyTable, binds: PostgresBindings, values: [String])] = []
        for (table, key, change) in tallies.changes {
            if rows.last?.table != table { rows.append((table, PostgresBindings(), [])) }
            var binds = rows[rows.count - 1].binds
            let first = binds.count + 1
            for value in key {
                switch value {
                case .text(let text): binds.append(text)
                case .number(let number): binds.append(number)
                }
            }
            binds.append(shard)
            binds.append(Int64(change))
            rows[rows.count - 1].binds = binds
            rows[rows.count - 1].values.append("(" + (first..<first + key.count + 2).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        for (table, binds, values) in rows {
            let columns = (table.keys + ["shard"]).joined(separator: ", ")
            let count = table.count
            try await connection.run(PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table.rawValue) (\(columns), \(count)) VALUES \(values.joined(separator: ", "))
                    ON CONFLICT (\(columns)) DO UPDATE SET \(count) = \(table.rawValue).\(count) + excluded.\(count)
                    """,
                binds: binds), logger: logger)
        }
    }

    /// How many shards each tally is spread over.
    static let tallyShards: Int16 = 16

    public func submission(id: String, token: String) async throws -> StoredSubmission {
        let found = try await reading { connection in
            try await connection.first(
                """
                SELECT s.edit_token_hash, s.survey_id, s.version, s.received_at_ms, s.updated_at_ms, v.answers_json,
                    s.declared_sector, s.other_sector_text, s.final_sector, s.country, s.region, s.publication, s.level
                FROM submission s JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version
                WHERE s.id = \(id)
                """,
                as: (Data, String, Int, Int64, Int64, String, String, Data?, String, String?, String?, String, String?).self,
                logger: logger)
        }
        guard let found else { throw AccessFailure.notFound }
        guard Secret.constantTimeEqual(found.0, Secret.hash(token)) else { throw AccessFailure.wrongToken }
        return StoredSubmission(
            id: id, surveyID: found.1, version: found.2, receivedAt: Date(milliseconds: found.3),
            updatedAt: Date(milliseconds: found.4), answersJSON: found.5, declaredSector: found.6,
            otherSectorText: found.7.map { String(decoding: $0, as: UTF8.self) }, finalSector: found.8, country: found.9,
            region: found.10, publication: PublicationChoice(stored: found.11), level: found.12)
    }

    public func surveyID(ofSubmission id: String) async throws -> String? {
        try await reading { connection in
            try await connection.first("SELECT survey_id FROM submission WHERE id = \(id)", as: String.self, logger: logger)
        }
    }

    public func replaceAnswers(
        of id: String, token: String, with answers: AnswerSet, survey: Survey, receivedAt: Date, fileOwner: String?
    ) async throws -> SubmissionOutcome {
        try await registerCodes(of: [survey])
        let receivedAt = receivedAt.truncatedToMilliseconds
        let content = VersionContent(answers, of: survey)
        return try await transaction { connection in
            let outcome = try await replaceAnswers(
                of: id, token: token, with: content, survey: survey, receivedAt: receivedAt, on: connection)
            if case .accepted = outcome {
                try await bindFiles(answers, of: survey, submissionID: id, owners: [fileOwner], at: receivedAt, on: connection)
            }
            return outcome
        }
    }

    /// Stores `content` as the next version of submission `id`, moving its counts from the old
    /// answers and sector to the new ones.
    func replaceAnswers(
        of id: String, token: String, with content: VersionContent, survey: Survey, receivedAt: Date,
        on connection: PostgresConnection
    ) async throws -> SubmissionOutcome {
        guard let (seq, version, tokenHash, override, finalSector) = try await connection.first(
            """
            SELECT seq, version, edit_token_hash, sector_override, final_sector FROM submission
            WHERE id = \(id) AND survey_id = \(survey.id.rawValue) FOR UPDATE
            """, as: (Int64, Int, Data, String?, String).self, logger: logger)
        else { throw AccessFailure.notFound }
        guard Secret.constantTimeEqual(tokenHash, Secret.hash(token)) else { throw AccessFailure.wrongToken }
        if let refusal = try await refusal(for: survey, at: receivedAt, on: connection) { return refusal }
        let next = version + 1
        let profile = content.profile
        var tallies = TallyDelta()
        tallies.add(try await answerRows(of: seq, on: connection), survey: survey.id.rawValue, sector: finalSector, sign: -1)
        try await connection.run(
            """
            UPDATE submission SET version = \(next), updated_at_ms = \(receivedAt.milliseconds),
                declared_sector = \(profile.declaredSector.rawValue), other_sector_text = \(profile.otherSectorText.map { Data($0.utf8) }),
                classified_sector = \(profile.finalSector.rawValue), country = \(profile.country?.alpha2),
                region = \(profile.country?.m49SubRegion), publication = \(profile.publication.rawValue), level = \(content.level)
            WHERE seq = \(seq)
            """, logger: logger)
        try await writeVersion(next, of: seq, content: content, receivedAt: receivedAt, replacing: true, on: connection)
        try await queueForCampaigns(seq, version: next, on: connection)
        try await readingRoomEdited(content, seq: seq, on: connection)
        // The final sector is the organizers' override, if any, else the new classification.
        tallies.add(content.tallies(survey: survey.id, sector: override ?? profile.finalSector.rawValue))
        try await apply(tallies, on: connection)
        let receipt = try receipts.receipt(
            surveyID: survey.id.rawValue, submissionID: id, version: next, receivedAt: receivedAt, answersSHA256: content.answersSHA256)
        return .accepted(AcceptedSubmission(
            id: id, surveyID: survey.id.rawValue, version: next, receivedAt: receivedAt, editToken: nil, receipt: receipt))
    }

    public func reassignSector(
        of id: String, to sector: String, actor: String, reason: String, at instant: Date
    ) async throws -> SectorAssignment? {
        try await transaction { connection in
            guard let (seq, surveyID, finalSector, declared, otherText) = try await connection.first(
                """
                SELECT seq, survey_id, final_sector, declared_sector, other_sector_text FROM submission WHERE id = \(id) FOR UPDATE
                """, as: (Int64, String, String, String, Data?).self, logger: logger)
            else { return nil }
            try await connection.run("UPDATE submission SET sector_override = \(sector) WHERE seq = \(seq)", logger: logger)
            let rows = try await answerRows(of: seq, on: connection)
            var tallies = TallyDelta()
            tallies.add(rows, survey: surveyID, sector: finalSector, sign: -1)
            tallies.add(rows, survey: surveyID, sector: sector, sign: 1)
            try await apply(tallies, on: connection)
            try await appendAudit(AuditRecord(
                at: instant, actor: actor, action: "sector.reassigned", surveyID: surveyID, subject: id,
                oldValue: finalSector, newValue: sector, reason: reason), on: connection)
            return SectorAssignment(
                declared: declared, otherText: otherText.map { String(decoding: $0, as: UTF8.self) }, final: sector)
        }
    }

    public func submissionCount(survey: SurveyID) async throws -> Int {
        try await reading { connection in
            try await connection.first(
                "SELECT count(*) FROM submission WHERE survey_id = \(survey.rawValue)", as: Int.self, logger: logger) ?? 0
        }
    }

    public func refusedAttempts(survey: SurveyID) async throws -> [String: Int] {
        try await reading { connection in
            let rows = try await connection.all(
                "SELECT reason, count(*) FROM refused_attempt WHERE survey_id = \(survey.rawValue) GROUP BY reason",
                as: (String, Int).self, logger: logger)
            return Dictionary(uniqueKeysWithValues: rows)
        }
    }

    public func recordRefusal(for survey: Survey, at receivedAt: Date) async throws -> SubmissionOutcome? {
        let receivedAt = receivedAt.truncatedToMilliseconds
        return try await transaction { connection in try await refusal(for: survey, at: receivedAt, on: connection) }
    }

    public func importSynthetic(_ batch: [(answers: AnswerSet, receivedAt: Date)], to survey: Survey) async throws {
        try await registerCodes(of: [survey])
        try await transaction { connection in
            for (answers, receivedAt) in batch {
                try await insert(
                    VersionContent(answers, of: survey), id: Secret.newID(), token: Secret.newToken(), survey: survey,
                    receivedAt: receivedAt.truncatedToMilliseconds, clientKey: nil, on: connection)
            }
        }
    }

    public func registerAnswerCodes(of surveys: [Survey]) async throws {
        try await registerCodes(of: surveys)
    }
}
