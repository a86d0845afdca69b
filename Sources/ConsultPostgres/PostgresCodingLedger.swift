import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's codings on PostgreSQL.

/// The codings of free texts, as ``SQLiteCodingLedger`` (same rules, same audit entries). Coding
/// locks its theme (`FOR SHARE`), so it waits for a retirement or merge on another node and is then
/// refused; removing locks the coding (`FOR UPDATE`), so it is removed once.
struct PostgresCodingLedger: CodingLedger {
    let store: PostgresStore

    func code(
        _ field: OpenTextField, of seq: Int64, version: Int, span: TextSpan?, theme: Int64, in survey: String,
        coder: Int64?, actor: String, at instant: Date
    ) async throws -> Coding {
        guard let coder else { throw CodingRefusal.noCoder }
        return try await store.transaction { connection in
            try await connection.run("SELECT 1 FROM theme WHERE id = \(theme) FOR SHARE", logger: store.logger)
            let theme = try await PostgresThemeBook.activeTheme(theme, of: survey, locking: false, on: connection, store: store)
            let current = try await connection.first(
                "SELECT version FROM submission WHERE seq = \(seq) AND survey_id = \(survey) FOR SHARE", as: Int.self,
                logger: store.logger)
            guard let current else { throw AccessFailure.notFound }
            guard current == version else { throw CodingRefusal.textChanged(current: current) }
            guard let id = try await connection.first(
                """
                INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, start_offset, end_offset,
                    coder_id, coded_at_ms)
                VALUES (\(UUID().uuidString.lowercased()), \(survey), \(theme.id), \(seq), \(field.storedQuestion),
                    \(field.kind.rawValue), \(version), \(span.map { Int64($0.start) }), \(span.map { Int64($0.end) }), \(coder),
                    \(instant.milliseconds))
                RETURNING id
                """, as: Int64.self, logger: store.logger)
            else { throw ReturnedRowMissing(description: "the new coding's row was not returned") }
            let coding = try await Self.coding(id, in: survey, on: connection, store: store)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "coding.added", surveyID: survey, subject: coding.guid,
                oldValue: nil, newValue: SQLiteCodingLedger.summary(coding), reason: nil), on: connection)
            return coding
        }
    }

    func remove(_ id: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date) async throws -> Coding {
        guard let coder else { throw CodingRefusal.noCoder }
        return try await store.transaction { connection in
            try await connection.run("SELECT 1 FROM coding WHERE id = \(id) FOR UPDATE", logger: store.logger)
            let coding = try await Self.coding(id, in: survey, on: connection, store: store)
            guard coding.removedAt == nil else { throw CodingRefusal.alreadyRemoved(id) }
            try await connection.run(
                "UPDATE coding SET removed_at_ms = \(instant.milliseconds), removed_by = \(coder) WHERE id = \(id)",
                logger: store.logger)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "coding.removed", surveyID: survey, subject: coding.guid,
                oldValue: SQLiteCodingLedger.summary(coding), newValue: nil, reason: nil), on: connection)
            return try await Self.coding(id, in: survey, on: connection, store: store)
        }
    }

    func codings(of seq: Int64, includingRemoved removed: Bool) async throws -> [Coding] {
        try await store.reading { connection in
            var binds = PostgresBindings()
            binds.append(seq)
            binds.append(removed)
            return try await connection.all(
                PostgresQuery(
                    unsafeSQL: "SELECT \(Self.columns) \(Self.joins) WHERE c.submission_seq = $1 AND ($2 OR c.removed_at_ms IS NULL) ORDER BY c.id",
                    binds: binds),
                as: Row.self, logger: store.logger
            ).compactMap(Self.coding)
        }
    }

    func codingsInForce(of survey: String) async throws -> [(text: String, coder: Int64, theme: Int64)] {
        try await store.reading { connection in
            try await connection.all(
                """
                SELECT submission_seq, question, kind, coder_id, theme_id FROM coding
                WHERE survey_id = \(survey) AND removed_at_ms IS NULL ORDER BY id
                """, as: (Int64, String, String, Int64, Int64).self, logger: store.logger
            ).map { ("\($0.0)/\($0.1)/\($0.2)", $0.3, $0.4) }
        }
    }

    static let columns = """
        c.id, c.guid, c.theme_id, t.name, t.colour, c.submission_seq, c.question, c.kind, c.version, c.start_offset,
        c.end_offset, c.on_earlier_text, c.coder_id, r.role || ':' || r.name, c.coded_at_ms, c.bulk_id, c.removed_at_ms
        """
    static let joins = "FROM coding c JOIN theme t ON t.id = c.theme_id JOIN role_token r ON r.id = c.coder_id"
    typealias Row = (
        Int64, String, Int64, String, String, Int64, String, String, Int, Int?, Int?, Bool, Int64, String, Int64, Int64?, Int64?
    )

    static func coding(_ row: Row) -> Coding? {
        guard let field = OpenTextField(storedQuestion: row.6, kind: row.7) else { return nil }
        return Coding(
            id: row.0, guid: row.1, themeID: row.2, themeName: row.3, themeColour: row.4, submissionSeq: row.5, field: field,
            version: row.8, span: row.9.flatMap { start in row.10.map { TextSpan(stored: start, end: $0) } },
            onEarlierText: row.11, coderID: row.12, coder: row.13, codedAt: Date(milliseconds: row.14), bulkID: row.15,
            removedAt: row.16.map(Date.init(milliseconds:)))
    }

    static func coding(_ id: Int64, in survey: String, on connection: PostgresConnection, store: PostgresStore) async throws -> Coding {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(survey)
        guard let row = try await connection.first(
            PostgresQuery(unsafeSQL: "SELECT \(columns) \(joins) WHERE c.id = $1 AND c.survey_id = $2", binds: binds),
            as: Row.self, logger: store.logger), let coding = coding(row)
        else { throw CodingRefusal.unknownCoding(id) }
        return coding
    }
}
