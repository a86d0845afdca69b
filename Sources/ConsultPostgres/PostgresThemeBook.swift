import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's codebook on PostgreSQL.

/// A survey's codebook of themes, as ``SQLiteThemeBook`` (same rules, same audit entries), shared by
/// several nodes: a change locks the themes it reads (`FOR UPDATE`), so a theme retired or merged on
/// one node is not changed, nested under or coded on another meanwhile, and the unique index
/// `theme_name_in_place` keeps two active themes from taking one name in one place (the losing
/// transaction runs again and is refused as a duplicate).
struct PostgresThemeBook: ThemeBook {
    let store: PostgresStore

    func themes(of survey: String) async throws -> [Theme] {
        try await store.reading { connection in try await Self.themes(of: survey, on: connection, store: store) }
    }

    func theme(_ id: Int64, of survey: String) async throws -> Theme {
        try await store.reading { connection in try await Self.theme(id, of: survey, on: connection, store: store) }
    }

    func create(_ fields: ThemeFields, in survey: String, actor: String, at instant: Date) async throws -> Theme {
        let name = try SQLiteThemeBook.checkedName(fields.name ?? "")
        let colour = try SQLiteThemeBook.checkedColour(fields.colour ?? "")
        let description = try SQLiteThemeBook.checkedDescription(fields.description ?? "")
        return try await store.transaction { connection in
            var parent: Theme?
            if let parentID = fields.parentID ?? nil {
                parent = try await Self.activeTheme(parentID, of: survey, locking: true, on: connection, store: store)
            }
            let depth = (parent?.depth ?? 0) + 1
            guard depth <= CodebookTheme.maximumDepth else {
                throw ThemeRefusal.invalid(field: "parent_id", message: "Themes nest at most \(CodebookTheme.maximumDepth) levels deep.")
            }
            try await Self.checkNameFree(name, parent: parent?.id, survey: survey, except: nil, on: connection, store: store)
            guard let id = try await connection.first(
                """
                INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms)
                VALUES (\(survey), \(UUID().uuidString.lowercased()), \(parent?.id), \(depth), \(name), \(description), \(colour),
                    \(instant.milliseconds))
                RETURNING id
                """, as: Int64.self, logger: store.logger)
            else { throw ReturnedRowMissing(description: "the new theme's row was not returned") }
            let theme = try await Self.theme(id, of: survey, on: connection, store: store)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.created", surveyID: survey, subject: theme.guid,
                oldValue: nil, newValue: SQLiteThemeBook.summary(theme), reason: nil), on: connection)
            return theme
        }
    }

    func change(_ id: Int64, in survey: String, to fields: ThemeFields, actor: String, at instant: Date) async throws -> Theme {
        let name = try fields.name.map(SQLiteThemeBook.checkedName)
        let colour = try fields.colour.map(SQLiteThemeBook.checkedColour)
        let description = try fields.description.map(SQLiteThemeBook.checkedDescription)
        return try await store.transaction { connection in
            let theme = try await Self.activeTheme(id, of: survey, locking: true, on: connection, store: store)
            var parentID = theme.parentID
            var depth = theme.depth
            if let newParent = fields.parentID {
                var parent: Theme?
                if let newParent { parent = try await Self.activeTheme(newParent, of: survey, locking: true, on: connection, store: store) }
                if let parent, try await Self.ancestry(of: parent.id, on: connection, store: store).contains(theme.id) {
                    throw ThemeRefusal.invalid(field: "parent_id", message: "A theme cannot sit under itself or its own sub-theme.")
                }
                depth = (parent?.depth ?? 0) + 1
                let height = try await Self.height(of: theme.id, on: connection, store: store)
                guard depth + height - 1 <= CodebookTheme.maximumDepth else {
                    throw ThemeRefusal.invalid(
                        field: "parent_id", message: "Themes nest at most \(CodebookTheme.maximumDepth) levels deep, sub-themes included.")
                }
                parentID = parent?.id
            }
            let newName = name ?? theme.name
            try await Self.checkNameFree(newName, parent: parentID, survey: survey, except: theme.id, on: connection, store: store)
            try await connection.run(
                """
                UPDATE theme SET name = \(newName), description = \(description ?? theme.description),
                    colour = \(colour ?? theme.colour), parent_id = \(parentID), depth = \(depth)
                WHERE id = \(theme.id)
                """, logger: store.logger)
            if depth != theme.depth {
                try await connection.run(
                    """
                    WITH RECURSIVE down(id, level) AS (SELECT id, \(depth)::integer FROM theme WHERE id = \(theme.id)
                        UNION ALL SELECT t.id, down.level + 1 FROM theme t JOIN down ON t.parent_id = down.id)
                    UPDATE theme SET depth = down.level FROM down WHERE down.id = theme.id
                    """, logger: store.logger)
            }
            let changed = try await Self.theme(theme.id, of: survey, on: connection, store: store)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.changed", surveyID: survey, subject: theme.guid,
                oldValue: SQLiteThemeBook.summary(theme), newValue: SQLiteThemeBook.summary(changed), reason: nil), on: connection)
            return changed
        }
    }

    func merge(
        _ source: Int64, into target: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date
    ) async throws -> (target: Theme, moved: Int, dropped: Int) {
        try await store.transaction { connection in
            // Both locked in id order, so two merges of the same pair wait for each other instead of deadlocking.
            for id in [source, target].sorted() {
                try await connection.run("SELECT 1 FROM theme WHERE id = \(id) FOR UPDATE", logger: store.logger)
            }
            let from = try await Self.activeTheme(source, of: survey, locking: false, on: connection, store: store)
            let into = try await Self.activeTheme(target, of: survey, locking: false, on: connection, store: store)
            guard from.id != into.id else {
                throw ThemeRefusal.invalid(field: "into", message: "A theme cannot be merged into itself.")
            }
            let children = try await connection.first(
                "SELECT count(*) FROM theme WHERE parent_id = \(from.id) AND retired_at_ms IS NULL AND merged_into IS NULL",
                as: Int.self, logger: store.logger) ?? 0
            guard children == 0 else {
                throw ThemeRefusal.invalid(
                    field: "into", message: "Theme \(from.id) has \(children) active sub-theme(s); move or merge them first.")
            }
            // Codings the target already has on the same words by the same coder are removed, not moved.
            let dropped = try await connection.all(
                """
                UPDATE coding SET removed_at_ms = \(instant.milliseconds), removed_by = \(coder)
                WHERE theme_id = \(from.id) AND removed_at_ms IS NULL AND EXISTS (
                    SELECT 1 FROM coding t WHERE t.theme_id = \(into.id) AND t.removed_at_ms IS NULL
                    AND t.submission_seq = coding.submission_seq AND t.question = coding.question
                    AND t.kind = coding.kind AND t.coder_id = coding.coder_id AND t.version = coding.version
                    AND t.start_offset IS NOT DISTINCT FROM coding.start_offset
                    AND t.end_offset IS NOT DISTINCT FROM coding.end_offset)
                RETURNING id
                """, as: Int64.self, logger: store.logger).count
            let moved = try await connection.all(
                "UPDATE coding SET theme_id = \(into.id) WHERE theme_id = \(from.id) AND removed_at_ms IS NULL RETURNING id",
                as: Int64.self, logger: store.logger).count
            try await connection.run("UPDATE theme SET merged_into = \(into.id) WHERE id = \(from.id)", logger: store.logger)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.merged", surveyID: survey, subject: from.guid,
                oldValue: SQLiteThemeBook.summary(from),
                newValue: "into \(into.guid) \(into.name): \(moved) codings moved, \(dropped) duplicates removed", reason: nil),
                on: connection)
            return (try await Self.theme(into.id, of: survey, on: connection, store: store), moved, dropped)
        }
    }

    func retire(_ id: Int64, in survey: String, actor: String, at instant: Date) async throws -> Theme {
        try await store.transaction { connection in
            let theme = try await Self.activeTheme(id, of: survey, locking: true, on: connection, store: store)
            try await connection.run("UPDATE theme SET retired_at_ms = \(instant.milliseconds) WHERE id = \(theme.id)", logger: store.logger)
            try await store.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.retired", surveyID: survey, subject: theme.guid,
                oldValue: SQLiteThemeBook.summary(theme), newValue: nil, reason: nil), on: connection)
            return try await Self.theme(theme.id, of: survey, on: connection, store: store)
        }
    }

    // MARK: Reading

    /// Names are ordered by their bytes (`COLLATE "C"`), as SQLite's BINARY collation orders them.
    static let columns = """
        t.id, t.guid, t.survey_id, t.parent_id, t.depth, t.name, t.description, t.colour, t.created_at_ms,
        t.retired_at_ms, t.merged_into,
        (SELECT count(*) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL)
        """
    typealias Row = (Int64, String, String, Int64?, Int, String, String, String, Int64, Int64?, Int64?, Int)

    static func theme(_ row: Row) -> Theme {
        Theme(
            id: row.0, guid: row.1, surveyID: row.2, parentID: row.3, depth: row.4, name: row.5, description: row.6,
            colour: row.7, createdAt: Date(milliseconds: row.8), retiredAt: row.9.map(Date.init(milliseconds:)),
            mergedInto: row.10, codings: row.11)
    }

    static func themes(of survey: String, on connection: PostgresConnection, store: PostgresStore) async throws -> [Theme] {
        var binds = PostgresBindings()
        binds.append(survey)
        let all = try await connection.all(
            PostgresQuery(
                unsafeSQL: "SELECT \(columns) FROM theme t WHERE t.survey_id = $1 ORDER BY t.name COLLATE \"C\", t.id",
                binds: binds),
            as: Row.self, logger: store.logger)
        return SQLiteThemeBook.ordered(all.map(theme))
    }

    static func theme(_ id: Int64, of survey: String, on connection: PostgresConnection, store: PostgresStore) async throws -> Theme {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(survey)
        guard let row = try await connection.first(
            PostgresQuery(unsafeSQL: "SELECT \(columns) FROM theme t WHERE t.id = $1 AND t.survey_id = $2", binds: binds),
            as: Row.self, logger: store.logger)
        else { throw ThemeRefusal.unknownTheme(id) }
        return theme(row)
    }

    /// The active theme `id`, its row locked first when `locking` (until the transaction ends).
    static func activeTheme(
        _ id: Int64, of survey: String, locking: Bool, on connection: PostgresConnection, store: PostgresStore
    ) async throws -> Theme {
        if locking { try await connection.run("SELECT 1 FROM theme WHERE id = \(id) FOR UPDATE", logger: store.logger) }
        let theme = try await theme(id, of: survey, on: connection, store: store)
        if theme.mergedInto != nil { throw ThemeRefusal.inactive(id, "merged") }
        if theme.retiredAt != nil { throw ThemeRefusal.inactive(id, "retired") }
        return theme
    }

    private static func checkNameFree(
        _ name: String, parent: Int64?, survey: String, except: Int64?, on connection: PostgresConnection, store: PostgresStore
    ) async throws {
        let taken = try await connection.first(
            """
            SELECT EXISTS (SELECT 1 FROM theme WHERE survey_id = \(survey) AND coalesce(parent_id, 0) = coalesce(\(parent)::bigint, 0)
                AND name = \(name) AND retired_at_ms IS NULL AND merged_into IS NULL AND id IS DISTINCT FROM \(except)::bigint)
            """, as: Bool.self, logger: store.logger) ?? false
        if taken { throw ThemeRefusal.duplicateName(name) }
    }

    /// `id` and its ancestors.
    private static func ancestry(of id: Int64, on connection: PostgresConnection, store: PostgresStore) async throws -> [Int64] {
        try await connection.all(
            """
            WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM theme WHERE id = \(id)
                UNION ALL SELECT t.id, t.parent_id FROM theme t JOIN up ON t.id = up.parent_id)
            SELECT id FROM up
            """, as: Int64.self, logger: store.logger)
    }

    /// Levels from `id` down to its deepest descendant, itself counted: 1 for a leaf.
    private static func height(of id: Int64, on connection: PostgresConnection, store: PostgresStore) async throws -> Int {
        let level = try await connection.first(
            """
            WITH RECURSIVE down(id, level) AS (SELECT id, 1 FROM theme WHERE id = \(id)
                UNION ALL SELECT t.id, down.level + 1 FROM theme t JOIN down ON t.parent_id = down.id)
            SELECT max(level) FROM down
            """, as: Int?.self, logger: store.logger)
        return (level ?? nil) ?? 1
    }
}
