import ConsultCore
import Foundation
import GRDB

/// An analyst or organizer as the reading room records them on codings: their role token's row.
public struct Coder: Sendable, Hashable {
    /// `role_token.id`.
    public let tokenID: Int64
    /// How the audit log names them, e.g. `analyst:Bo`.
    public let actor: String
}

extension Coder {
    /// The coder `principal` is: nil for a principal made without a role token.
    public init?(_ principal: Principal) {
        guard let tokenID = principal.tokenID else { return nil }
        self.init(tokenID: tokenID, actor: principal.actor)
    }
}

/// What bulk-coding a search would do, before it is done.
public struct BulkCodingPreview: Sendable, Hashable {
    package init(matches: Int, toCode: Int) {
        self.matches = matches
        self.toCode = toCode
    }

    /// Texts the search finds.
    public let matches: Int
    /// Of those, the texts that would get a new coding (the others already carry this coder's
    /// whole-text coding with the theme).
    public let toCode: Int
}

/// A theme as a search form offers it.
public struct ThemeChoice: Sendable, Hashable {
    package init(id: Int64, name: String, open: Bool) {
        self.id = id
        self.name = name
        self.open = open
    }

    public let id: Int64
    public let name: String
    /// Whether it takes new codings (neither retired nor merged).
    public let open: Bool
}

/// One bulk coding of a search with a theme, as recorded.
public struct BulkCodingRecord: Sendable, Hashable {
    package init(
        id: Int64, themeID: Int64, themeName: String, query: String, filters: JSONValue, coder: String, at: Date, answers: Int,
        undoneAt: Date?
    ) {
        self.id = id
        self.themeID = themeID
        self.themeName = themeName
        self.query = query
        self.filters = filters
        self.coder = coder
        self.at = at
        self.answers = answers
        self.undoneAt = undoneAt
    }

    public let id: Int64
    public let themeID: Int64
    public let themeName: String
    public let query: String
    /// The filters, as the API names them.
    public let filters: JSONValue
    public let coder: String
    public let at: Date
    /// Codings it made.
    public let answers: Int
    public let undoneAt: Date?
}

/// Bulk coding: a theme applied as a whole-text coding to every text a search finds (after a
/// preview of how many), recorded in `coding_bulk` so that it can be undone as one; both audited.
///
/// The codings are the coder's, of the submission's current version. A text that already carries
/// the same coder's whole-text coding with the theme is left as it is; undoing marks the bulk's
/// codings removed (`removed_at_ms`, `removed_by`), it deletes nothing.
public struct SQLiteBulkCodings: BulkCodings {
    let database: ConsultDatabase

    public init(_ database: ConsultDatabase) {
        self.database = database
    }

    /// How many texts the search finds, and how many would get a new coding with `theme` by `coder`.
    public func preview(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder
    ) async throws -> BulkCodingPreview {
        try await ReadingRoomRefusal.readingQuery {
            try await database.pool.read { db in
                _ = try Self.openTheme(theme, of: survey, in: db)
                let selection = TextSelection(survey: survey, query: query, filters: filters)
                let row = try Row.fetchOne(
                    db, sql: """
                        SELECT count(*) AS matches, coalesce(sum(NOT EXISTS (\(Self.alreadyCoded))), 0) AS to_code
                        FROM \(selection.from) WHERE \(selection.condition)
                        """,
                    arguments: [theme, coder.tokenID] + selection.arguments)
                return BulkCodingPreview(matches: row?["matches"] ?? 0, toCode: row?["to_code"] ?? 0)
            }
        }
    }

    /// Codes every text the search finds with `theme`, in one transaction with its audit entry.
    public func apply(
        to survey: Survey, query: TextQuery?, filters: TextSearchFilters, theme: Int64, by coder: Coder, at instant: Date
    ) async throws -> BulkCodingRecord {
        try await ReadingRoomRefusal.readingQuery {
            try await database.pool.write { db in
                let themeName = try Self.openTheme(theme, of: survey, in: db)
                let selection = TextSelection(survey: survey, query: query, filters: filters)
                try db.execute(
                    sql: """
                        INSERT INTO coding_bulk (survey_id, theme_id, query, filters_json, coder_id, at_ms, answers)
                        VALUES (?, ?, ?, ?, ?, ?, 0)
                        """,
                    arguments: [
                        survey.id.rawValue, theme, query?.text ?? "", filters.json.canonicalText, coder.tokenID,
                        instant.milliseconds,
                    ])
                let bulk = db.lastInsertedRowID
                try db.execute(
                    sql: """
                        INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, coder_id,
                            coded_at_ms, bulk_id)
                        SELECT \(Self.newGUID), ?, ?, o.submission_seq, o.question, o.kind, s.version, ?, ?, ?
                        FROM \(selection.from) WHERE \(selection.condition) AND NOT EXISTS (\(Self.alreadyCoded))
                        ORDER BY o.id
                        """,
                    arguments: [survey.id.rawValue, theme, coder.tokenID, instant.milliseconds, bulk]
                        + selection.arguments + [theme, coder.tokenID])
                let coded = db.changesCount
                try db.execute(sql: "UPDATE coding_bulk SET answers = ? WHERE id = ?", arguments: [coded, bulk])
                try database.appendAudit(AuditRecord(
                    at: instant, actor: coder.actor, action: "coding.bulk-applied", surveyID: survey.id.rawValue,
                    subject: "bulk coding \(bulk)", oldValue: nil,
                    newValue: "theme \(themeName) on \(coded) answers found by \(TextSearchFilters.describe(query, filters))", reason: nil),
                    in: db)
                return try Self.record(bulk, of: survey, in: db)!
            }
        }
    }

    /// Undoes bulk coding `id`: its codings still in force are marked removed by `coder`.
    public func undo(_ id: Int64, of survey: Survey, by coder: Coder, at instant: Date) async throws -> BulkCodingRecord {
        try await database.pool.write { db in
            guard let record = try Self.record(id, of: survey, in: db) else { throw ReadingRoomRefusal.unknownBulkCoding(id) }
            if let undoneAt = record.undoneAt { throw ReadingRoomRefusal.bulkCodingAlreadyUndone(id, at: undoneAt) }
            try db.execute(
                sql: "UPDATE coding SET removed_at_ms = ?, removed_by = ? WHERE bulk_id = ? AND removed_at_ms IS NULL",
                arguments: [instant.milliseconds, coder.tokenID, id])
            let removed = db.changesCount
            try db.execute(
                sql: "UPDATE coding_bulk SET undone_at_ms = ?, undone_by = ? WHERE id = ?",
                arguments: [instant.milliseconds, coder.tokenID, id])
            try database.appendAudit(AuditRecord(
                at: instant, actor: coder.actor, action: "coding.bulk-undone", surveyID: survey.id.rawValue,
                subject: "bulk coding \(id)", oldValue: "theme \(record.themeName) on \(record.answers) answers",
                newValue: "\(removed) codings removed", reason: nil), in: db)
            return try Self.record(id, of: survey, in: db)!
        }
    }

    /// The survey's bulk codings, newest first (at most `limit`).
    public func recent(of survey: Survey, limit: Int = 20) async throws -> [BulkCodingRecord] {
        try await database.pool.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT id FROM coding_bulk WHERE survey_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [survey.id.rawValue, limit]
            ).compactMap { try Self.record($0, of: survey, in: db) }
        }
    }

    /// The survey's themes for choosing one to code with (`open`) or to filter by (every theme
    /// with `includingClosed`), by name. The codebook itself is the themes page's.
    public func codableThemes(of survey: Survey, includingClosed: Bool = false) async throws -> [ThemeChoice] {
        try await database.pool.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT id, name, retired_at_ms IS NULL AND merged_into IS NULL AS open FROM theme
                    WHERE survey_id = ? AND (? OR (retired_at_ms IS NULL AND merged_into IS NULL))
                    ORDER BY name, id
                    """, arguments: [survey.id.rawValue, includingClosed]
            ).map { ThemeChoice(id: $0["id"], name: $0["name"], open: $0["open"]) }
        }
    }

    /// The condition that a text `o` already carries coder ?2's whole-text coding with theme ?1 in force.
    private static let alreadyCoded = """
        SELECT 1 FROM coding c WHERE c.submission_seq = o.submission_seq AND c.question = o.question AND c.kind = o.kind
            AND c.theme_id = ? AND c.coder_id = ? AND c.start_offset IS NULL AND c.removed_at_ms IS NULL
        """

    /// A random (version 4) UUID per row, as REFI-QDA's GUIDs are written.
    private static let newGUID = """
        lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
            || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
        """

    /// The theme's name if it is the survey's and takes codings; else the refusal.
    private static func openTheme(_ theme: Int64, of survey: Survey, in db: Database) throws -> String {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT name, retired_at_ms, merged_into FROM theme WHERE id = ? AND survey_id = ?",
            arguments: [theme, survey.id.rawValue])
        else { throw ReadingRoomRefusal.unknownTheme(theme) }
        let name: String = row["name"]
        guard (row["retired_at_ms"] as Int64?) == nil, (row["merged_into"] as Int64?) == nil else {
            throw ReadingRoomRefusal.themeClosed(theme, name: name)
        }
        return name
    }

    private static func record(_ id: Int64, of survey: Survey, in db: Database) throws -> BulkCodingRecord? {
        guard let row = try Row.fetchOne(
            db, sql: """
                SELECT b.*, t.name AS theme_name, r.role AS coder_role, r.name AS coder_name
                FROM coding_bulk b JOIN theme t ON t.id = b.theme_id JOIN role_token r ON r.id = b.coder_id
                WHERE b.id = ? AND b.survey_id = ?
                """, arguments: [id, survey.id.rawValue])
        else { return nil }
        let filters = (try? StrictJSON.parse(Array((row["filters_json"] as String).utf8))) ?? .object([:])
        let coderRole: String = row["coder_role"], coderName: String = row["coder_name"]
        return BulkCodingRecord(
            id: row["id"], themeID: row["theme_id"], themeName: row["theme_name"], query: row["query"], filters: filters,
            coder: "\(coderRole):\(coderName)", at: Date(milliseconds: row["at_ms"]), answers: row["answers"],
            undoneAt: (row["undone_at_ms"] as Int64?).map(Date.init(milliseconds:)))
    }
}

extension TextSearchFilters {
    /// The search in words for the audit log, e.g. `"privacy" with sector=academia`.
    public static func describe(_ query: TextQuery?, _ filters: TextSearchFilters) -> String {
        let text = query.map { "the query \($0.text)" } ?? "no query"
        guard case .object(let members) = filters.json, !members.isEmpty else { return text }
        return text + " with " + members.keys.sorted().map { key -> String in
            switch members[key] {
            case .string(let value)?: "\(key)=\(value)"
            case .number(let value)?: "\(key)=\(Int(value))"
            default: key
            }
        }.joined(separator: ", ")
    }
}
