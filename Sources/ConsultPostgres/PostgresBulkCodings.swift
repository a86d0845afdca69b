import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: bulk coding on PostgreSQL.

/// Bulk coding over a search's hits, as ``SQLiteBulkCodings`` (same texts, same audit entries).
/// Applying locks the theme (`FOR UPDATE`): two nodes bulk-coding with one theme take turns, so the
/// second sees the first one's codings and does not repeat them, and a retirement or merge waits;
/// undoing locks the bulk coding's row, so it is undone once.
struct PostgresBulkCodings: BulkCodings {
    let store: PostgresStore

    func preview(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder
    ) async throws -> BulkCodingPreview {
        try await store.reading { connection in
            _ = try await Self.openTheme(theme, of: survey, locking: false, on: connection, store: store)
            guard let selection = try await PostgresTextSelection(
                survey: survey, query: query, filters: filters, store: store, on: connection)
            else { return BulkCodingPreview(matches: 0, toCode: 0) }
            var binds = selection.binds
            let already = Self.alreadyCoded(theme: theme, coder: coder.tokenID, binds: &binds)
            let row = try await connection.first(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (\(already)))
                        FROM \(selection.from) WHERE \(selection.condition)
                        """, binds: binds),
                as: (Int, Int).self, logger: store.logger)
            return BulkCodingPreview(matches: row?.0 ?? 0, toCode: row?.1 ?? 0)
        }
    }

    func apply(
        to survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder, at instant: Date
    ) async throws -> BulkCodingRecord {
        try await store.transaction { connection in
            let themeName = try await Self.openTheme(theme, of: survey, locking: true, on: connection, store: store)
            guard let bulk = try await connection.first(
                """
                INSERT INTO coding_bulk (survey_id, theme_id, query, filters_json, coder_id, at_ms, answers)
                VALUES (\(survey.id.rawValue), \(theme), \(query?.text ?? ""), \(filters.json.canonicalText), \(coder.tokenID),
                    \(instant.milliseconds), 0)
                RETURNING id
                """, as: Int64.self, logger: store.logger)
            else { throw ReturnedRowMissing(description: "the new bulk coding's row was not returned") }
            var coded = 0
            if let selection = try await PostgresTextSelection(
                survey: survey, query: query, filters: filters, store: store, on: connection)
            {
                var binds = selection.binds
                let already = Self.alreadyCoded(theme: theme, coder: coder.tokenID, binds: &binds)
                func bind(_ value: some PostgresNonThrowingEncodable) -> String {
                    binds.append(value)
                    return "$\(binds.count)"
                }
                let (surveyBind, themeBind, coderBind) = (bind(survey.id.rawValue), bind(theme), bind(coder.tokenID))
                let (atBind, bulkBind) = (bind(instant.milliseconds), bind(bulk))
                coded = try await connection.all(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, coder_id,
                                coded_at_ms, bulk_id)
                            SELECT gen_random_uuid()::text, \(surveyBind), \(themeBind), o.submission_seq, o.question, o.kind,
                                s.version, \(coderBind), \(atBind), \(bulkBind)
                            FROM \(selection.from) WHERE \(selection.condition) AND NOT EXISTS (\(already))
                            ORDER BY o.id
                            RETURNING id
                            """, binds: binds),
                    as: Int64.self, logger: store.logger
                ).count
            }
            try await connection.run("UPDATE coding_bulk SET answers = \(coded) WHERE id = \(bulk)", logger: store.logger)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: coder.actor, action: "coding.bulk-applied", surveyID: survey.id.rawValue,
                subject: "bulk coding \(bulk)", oldValue: nil,
                newValue: "theme \(themeName) on \(coded) answers found by \(TextSearchFilters.describe(query, filters))", reason: nil),
                on: connection)
            guard let record = try await Self.record(bulk, of: survey, on: connection, store: store) else {
                throw ReadingRoomRefusal.unknownBulkCoding(bulk)
            }
            return record
        }
    }

    func undo(_ id: Int64, of survey: Survey, by coder: Coder, at instant: Date) async throws -> BulkCodingRecord {
        try await store.transaction { connection in
            try await connection.run("SELECT 1 FROM coding_bulk WHERE id = \(id) FOR UPDATE", logger: store.logger)
            guard let record = try await Self.record(id, of: survey, on: connection, store: store) else {
                throw ReadingRoomRefusal.unknownBulkCoding(id)
            }
            if let undoneAt = record.undoneAt { throw ReadingRoomRefusal.bulkCodingAlreadyUndone(id, at: undoneAt) }
            let removed = try await connection.all(
                """
                UPDATE coding SET removed_at_ms = \(instant.milliseconds), removed_by = \(coder.tokenID)
                WHERE bulk_id = \(id) AND removed_at_ms IS NULL RETURNING id
                """, as: Int64.self, logger: store.logger).count
            try await connection.run(
                "UPDATE coding_bulk SET undone_at_ms = \(instant.milliseconds), undone_by = \(coder.tokenID) WHERE id = \(id)",
                logger: store.logger)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: coder.actor, action: "coding.bulk-undone", surveyID: survey.id.rawValue,
                subject: "bulk coding \(id)", oldValue: "theme \(record.themeName) on \(record.answers) answers",
                newValue: "\(removed) codings removed", reason: nil), on: connection)
            guard let undone = try await Self.record(id, of: survey, on: connection, store: store) else {
                throw ReadingRoomRefusal.unknownBulkCoding(id)
            }
            return undone
        }
    }

    func recent(of survey: Survey, limit: Int) async throws -> [BulkCodingRecord] {
        try await store.reading { connection in
            let ids = try await connection.all(
                "SELECT id FROM coding_bulk WHERE survey_id = \(survey.id.rawValue) ORDER BY id DESC LIMIT \(Int64(limit))",
                as: Int64.self, logger: store.logger)
            var records: [BulkCodingRecord] = []
            for id in ids {
                if let record = try await Self.record(id, of: survey, on: connection, store: store) { records.append(record) }
            }
            return records
        }
    }

    func codableThemes(of survey: Survey, includingClosed: Bool) async throws -> [ThemeChoice] {
        try await store.reading { connection in
            // Names by their bytes, as SQLite's BINARY collation orders them.
            try await connection.all(
                """
                SELECT id, name, retired_at_ms IS NULL AND merged_into IS NULL FROM theme
                WHERE survey_id = \(survey.id.rawValue) AND (\(includingClosed) OR (retired_at_ms IS NULL AND merged_into IS NULL))
                ORDER BY name COLLATE "C", id
                """, as: (Int64, String, Bool).self, logger: store.logger
            ).map { ThemeChoice(id: $0.0, name: $0.1, open: $0.2) }
        }
    }

    /// The condition that a text `o` already carries `coder`'s whole-text coding with `theme` in force.
    private static func alreadyCoded(theme: Int64, coder: Int64, binds: inout PostgresBindings) -> String {
        binds.append(theme)
        let themeBind = "$\(binds.count)"
        binds.append(coder)
        return """
            SELECT 1 FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question AND c.kind = o.kind
                AND c.theme_id = \(themeBind) AND c.coder_id = $\(binds.count) AND c.start_offset IS NULL AND c.removed_at_ms IS NULL
            """
    }

    /// The theme's name if it is the survey's and takes codings; else the refusal.
    private static func openTheme(
        _ theme: Int64, of survey: Survey, locking: Bool, on connection: PostgresConnection, store: PostgresStore
    ) async throws -> String {
        if locking { try await connection.run("SELECT 1 FROM theme WHERE id = \(theme) FOR UPDATE", logger: store.logger) }
        guard let (name, retired, merged) = try await connection.first(
            "SELECT name, retired_at_ms, merged_into FROM theme WHERE id = \(theme) AND survey_id = \(survey.id.rawValue)",
            as: (String, Int64?, Int64?).self, logger: store.logger)
        else { throw ReadingRoomRefusal.unknownTheme(theme) }
        guard retired == nil, merged == nil else { throw ReadingRoomRefusal.themeClosed(theme, name: name) }
        return name
    }

    private static func record(
        _ id: Int64, of survey: Survey, on connection: PostgresConnection, store: PostgresStore
    ) async throws -> BulkCodingRecord? {
        guard let row = try await connection.first(
            """
            SELECT b.id, b.theme_id, t.name, b.query, b.filters_json, r.role, r.name, b.at_ms, b.answers, b.undone_at_ms
            FROM coding_bulk b JOIN theme t ON t.id = b.theme_id JOIN role_token r ON r.id = b.coder_id
            WHERE b.id = \(id) AND b.survey_id = \(survey.id.rawValue)
            """, as: (Int64, Int64, String, String, String, String, String, Int64, Int, Int64?).self, logger: store.logger)
        else { return nil }
        let filters = (try? StrictJSON.parse(Array(row.4.utf8))) ?? .object([:])
        return BulkCodingRecord(
            id: row.0, themeID: row.1, themeName: row.2, query: row.3, filters: filters, coder: "\(row.5):\(row.6)",
            at: Date(milliseconds: row.7), answers: row.8, undoneAt: row.9.map(Date.init(milliseconds:)))
    }
}
