import ConsultCore
import Foundation
import GRDB

/// One theme of a survey's codebook.
public struct Theme: Sendable, Hashable {
    public let id: Int64
    /// A UUID, stable across exports and imports (REFI-QDA codes carry it).
    public let guid: String
    public let surveyID: String
    public let parentID: Int64?
    /// 1 for a top-level theme, at most 3.
    public let depth: Int
    public let name: String
    public let description: String
    /// `#RRGGBB`, upper case.
    public let colour: String
    public let createdAt: Date
    public let retiredAt: Date?
    /// The theme this one was merged into; its codings were moved there.
    public let mergedInto: Int64?
    /// Codings in force with this theme.
    public let codings: Int

    /// Whether it takes new codings and changes: neither retired nor merged.
    public var isActive: Bool { retiredAt == nil && mergedInto == nil }

    static let columns = """
        t.id, t.guid, t.survey_id, t.parent_id, t.depth, t.name, t.description, t.colour, t.created_at_ms,
        t.retired_at_ms, t.merged_into,
        (SELECT count(*) FROM coding c WHERE c.theme_id = t.id AND c.removed_at_ms IS NULL) AS codings
        """

    init(row: Row) {
        id = row["id"]
        guid = row["guid"]
        surveyID = row["survey_id"]
        parentID = row["parent_id"]
        depth = row["depth"]
        name = row["name"]
        description = row["description"]
        colour = row["colour"]
        createdAt = Date(milliseconds: row["created_at_ms"])
        retiredAt = (row["retired_at_ms"] as Int64?).map(Date.init(milliseconds:))
        mergedInto = row["merged_into"]
        codings = row["codings"]
    }
}

/// Why the codebook refuses a change; nothing was changed.
public enum ThemeRefusal: Error, StoreRefusal, Hashable {
    /// No theme with this id in this survey.
    case unknownTheme(Int64)
    /// An active theme of the same name already sits under the same parent.
    case duplicateName(String)
    /// A field is not acceptable (name, colour, depth, merge target), with a sentence saying why.
    case invalid(field: String, message: String)
    /// The theme was retired or merged and takes no changes or codings.
    case inactive(Int64, String)

    public var message: String {
        switch self {
        case .unknownTheme(let id): "There is no theme \(id) in this survey."
        case .duplicateName(let name): "A theme named \"\(name)\" already exists at that place in the codebook."
        case .invalid(_, let message): message
        case .inactive(let id, let state): "Theme \(id) was \(state); it takes no changes and no new codings."
        }
    }
}

/// What a new theme or a change says; `nil` members of a change are left as they are.
public struct ThemeFields: Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var colour: String?
    /// `.some(nil)` moves the theme to the top level.
    public var parentID: Int64??

    public init(name: String? = nil, description: String? = nil, colour: String? = nil, parentID: Int64?? = nil) {
        self.name = name
        self.description = description
        self.colour = colour
        self.parentID = parentID
    }
}

/// A survey's codebook of themes: create, change, nest (at most three levels), merge and retire,
/// each change audited with the acting analyst or organizer.
///
/// Merging moves the source's codings in force to the target and marks the source `merged_into`;
/// a moved coding that would repeat one the target already has (same text, span, version and
/// coder) is recorded as removed instead, so no text carries the same coding twice. Retiring
/// keeps a theme's codings and refuses new ones.
public struct SQLiteThemeBook: ThemeBook {
    let database: ConsultDatabase

    /// Every theme of `survey` (retired and merged ones too), parents before children, then by name.
    public func themes(of survey: String) async throws -> [Theme] {
        try await database.pool.read { db in try Self.themes(of: survey, in: db) }
    }

    /// One theme of `survey`.
    public func theme(_ id: Int64, of survey: String) async throws -> Theme {
        try await database.pool.read { db in try Self.theme(id, of: survey, in: db) }
    }

    /// Adds a theme; `fields.name` and `fields.colour` are required.
    public func create(
        _ fields: ThemeFields, in survey: String, actor: String, at instant: Date
    ) async throws -> Theme {
        let name = try Self.checkedName(fields.name ?? "")
        let colour = try Self.checkedColour(fields.colour ?? "")
        let description = try Self.checkedDescription(fields.description ?? "")
        return try await database.pool.write { db in
            let parent = try (fields.parentID ?? nil).map { try Self.activeTheme($0, of: survey, in: db) }
            let depth = (parent?.depth ?? 0) + 1
            guard depth <= CodebookTheme.maximumDepth else {
                throw ThemeRefusal.invalid(field: "parent_id", message: "Themes nest at most \(CodebookTheme.maximumDepth) levels deep.")
            }
            try Self.checkNameFree(name, parent: parent?.id, survey: survey, except: nil, in: db)
            try db.execute(
                sql: """
                    INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [survey, UUID().uuidString.lowercased(), parent?.id, depth, name, description, colour,
                    instant.milliseconds])
            let theme = try Self.theme(db.lastInsertedRowID, of: survey, in: db)
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.created", surveyID: survey, subject: theme.guid,
                oldValue: nil, newValue: Self.summary(theme), reason: nil), in: db)
            return theme
        }
    }

    /// Renames, describes, recolours or moves an active theme.
    public func change(
        _ id: Int64, in survey: String, to fields: ThemeFields, actor: String, at instant: Date
    ) async throws -> Theme {
        let name = try fields.name.map(Self.checkedName)
        let colour = try fields.colour.map(Self.checkedColour)
        let description = try fields.description.map(Self.checkedDescription)
        return try await database.pool.write { db in
            let theme = try Self.activeTheme(id, of: survey, in: db)
            var parentID = theme.parentID
            var depth = theme.depth
            if let newParent = fields.parentID {
                let parent = try newParent.map { try Self.activeTheme($0, of: survey, in: db) }
                if let parent, try Self.ancestry(of: parent.id, in: db).contains(theme.id) {
                    throw ThemeRefusal.invalid(field: "parent_id", message: "A theme cannot sit under itself or its own sub-theme.")
                }
                depth = (parent?.depth ?? 0) + 1
                let height = try Self.height(of: theme.id, in: db)
                guard depth + height - 1 <= CodebookTheme.maximumDepth else {
                    throw ThemeRefusal.invalid(
                        field: "parent_id", message: "Themes nest at most \(CodebookTheme.maximumDepth) levels deep, sub-themes included.")
                }
                parentID = parent?.id
            }
            let newName = name ?? theme.name
            try Self.checkNameFree(newName, parent: parentID, survey: survey, except: theme.id, in: db)
            try db.execute(
                sql: "UPDATE theme SET name = ?, description = ?, colour = ?, parent_id = ?, depth = ? WHERE id = ?",
                arguments: [newName, description ?? theme.description, colour ?? theme.colour, parentID, depth, theme.id])
            if depth != theme.depth { try Self.renumberDepths(under: theme.id, depth: depth, in: db) }
            let changed = try Self.theme(theme.id, of: survey, in: db)
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.changed", surveyID: survey, subject: theme.guid,
                oldValue: Self.summary(theme), newValue: Self.summary(changed), reason: nil), in: db)
            return changed
        }
    }

    /// Merges theme `source` into `target` (see the type's documentation). A theme with active
    /// sub-themes is not merged: move or merge them first. Returns the target.
    public func merge(
        _ source: Int64, into target: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date
    ) async throws -> (target: Theme, moved: Int, dropped: Int) {
        try await database.pool.write { db in
            let from = try Self.activeTheme(source, of: survey, in: db)
            let into = try Self.activeTheme(target, of: survey, in: db)
            guard from.id != into.id else {
                throw ThemeRefusal.invalid(field: "into", message: "A theme cannot be merged into itself.")
            }
            let children = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM theme WHERE parent_id = ? AND retired_at_ms IS NULL AND merged_into IS NULL
                """, arguments: [from.id]) ?? 0
            guard children == 0 else {
                throw ThemeRefusal.invalid(
                    field: "into", message: "Theme \(from.id) has \(children) active sub-theme(s); move or merge them first.")
            }
            // Codings the target already has on the same words by the same coder are removed, not moved.
            try db.execute(
                sql: """
                    UPDATE coding SET removed_at_ms = ?, removed_by = ?
                    WHERE theme_id = ? AND removed_at_ms IS NULL AND EXISTS (
                        SELECT 1 FROM coding t WHERE t.theme_id = ? AND t.removed_at_ms IS NULL
                        AND t.submission_seq = coding.submission_seq AND t.question = coding.question
                        AND t.kind = coding.kind AND t.coder_id = coding.coder_id AND t.version = coding.version
                        AND t.start_offset IS coding.start_offset AND t.end_offset IS coding.end_offset)
                    """,
                arguments: [instant.milliseconds, coder, from.id, into.id])
            let dropped = db.changesCount
            try db.execute(
                sql: "UPDATE coding SET theme_id = ? WHERE theme_id = ? AND removed_at_ms IS NULL",
                arguments: [into.id, from.id])
            let moved = db.changesCount
            try db.execute(sql: "UPDATE theme SET merged_into = ? WHERE id = ?", arguments: [into.id, from.id])
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.merged", surveyID: survey, subject: from.guid,
                oldValue: Self.summary(from), newValue: "into \(into.guid) \(into.name): \(moved) codings moved, \(dropped) duplicates removed",
                reason: nil), in: db)
            return (try Self.theme(into.id, of: survey, in: db), moved, dropped)
        }
    }

    /// Retires a theme: its codings stay, it takes no new ones.
    public func retire(_ id: Int64, in survey: String, actor: String, at instant: Date) async throws -> Theme {
        try await database.pool.write { db in
            let theme = try Self.activeTheme(id, of: survey, in: db)
            try db.execute(sql: "UPDATE theme SET retired_at_ms = ? WHERE id = ?", arguments: [instant.milliseconds, theme.id])
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "theme.retired", surveyID: survey, subject: theme.guid,
                oldValue: Self.summary(theme), newValue: nil, reason: nil), in: db)
            return try Self.theme(theme.id, of: survey, in: db)
        }
    }

    // MARK: Rules

    package static func checkedName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.unicodeScalars.count <= 200 else {
            throw ThemeRefusal.invalid(field: "name", message: "A theme's name has 1 to 200 characters.")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ThemeRefusal.invalid(field: "name", message: "A theme's name cannot hold control characters.")
        }
        return name
    }

    package static func checkedDescription(_ raw: String) throws -> String {
        guard raw.unicodeScalars.count <= 4000 else {
            throw ThemeRefusal.invalid(field: "description", message: "A theme's description has at most 4000 characters.")
        }
        return raw
    }

    /// `#RRGGBB` in either case, stored upper case.
    package static func checkedColour(_ raw: String) throws -> String {
        let colour = raw.uppercased()
        let digits = colour.utf8.dropFirst()
        guard colour.utf8.count == 7, colour.utf8.first == UInt8(ascii: "#"),
            digits.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) })
        else {
            throw ThemeRefusal.invalid(field: "colour", message: "A colour is written #RRGGBB, e.g. #1F77B4.")
        }
        return colour
    }

    package static func summary(_ theme: Theme) -> String {
        "\(theme.name) \(theme.colour)" + (theme.parentID.map { " under \($0)" } ?? "")
    }

    // MARK: Reading

    static func themes(of survey: String, in db: Database) throws -> [Theme] {
        let all = try Row.fetchAll(
            db, sql: "SELECT \(Theme.columns) FROM theme t WHERE t.survey_id = ? ORDER BY t.name, t.id", arguments: [survey]
        ).map(Theme.init(row:))
        return ordered(all)
    }

    /// `themes` (sorted by name, then id) with parents before children, siblings in their order.
    package static func ordered(_ all: [Theme]) -> [Theme] {
        var children: [Int64?: [Theme]] = [:]
        for theme in all { children[theme.parentID, default: []].append(theme) }
        var ordered: [Theme] = []
        func visit(_ parent: Int64?) {
            for theme in children[parent] ?? [] {
                ordered.append(theme)
                visit(theme.id)
            }
        }
        visit(nil)
        return ordered
    }

    static func theme(_ id: Int64, of survey: String, in db: Database) throws -> Theme {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT \(Theme.columns) FROM theme t WHERE t.id = ? AND t.survey_id = ?", arguments: [id, survey])
        else { throw ThemeRefusal.unknownTheme(id) }
        return Theme(row: row)
    }

    static func activeTheme(_ id: Int64, of survey: String, in db: Database) throws -> Theme {
        let theme = try theme(id, of: survey, in: db)
        if theme.mergedInto != nil { throw ThemeRefusal.inactive(id, "merged") }
        if theme.retiredAt != nil { throw ThemeRefusal.inactive(id, "retired") }
        return theme
    }

    private static func checkNameFree(_ name: String, parent: Int64?, survey: String, except: Int64?, in db: Database) throws {
        let taken = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM theme WHERE survey_id = ? AND ifnull(parent_id, 0) = ifnull(?, 0) AND name = ?
                AND retired_at_ms IS NULL AND merged_into IS NULL AND id IS NOT ?)
            """, arguments: [survey, parent, name, except]) ?? false
        if taken { throw ThemeRefusal.duplicateName(name) }
    }

    /// `id` and its ancestors.
    private static func ancestry(of id: Int64, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM theme WHERE id = ?
                UNION ALL SELECT t.id, t.parent_id FROM theme t JOIN up ON t.id = up.parent_id)
            SELECT id FROM up
            """, arguments: [id])
    }

    /// Levels from `id` down to its deepest descendant, itself counted: 1 for a leaf.
    private static func height(of id: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            WITH RECURSIVE down(id, level) AS (SELECT id, 1 FROM theme WHERE id = ?
                UNION ALL SELECT t.id, down.level + 1 FROM theme t JOIN down ON t.parent_id = down.id)
            SELECT max(level) FROM down
            """, arguments: [id]) ?? 1
    }

    private static func renumberDepths(under id: Int64, depth: Int, in db: Database) throws {
        try db.execute(sql: """
            WITH RECURSIVE down(id, level) AS (SELECT id, ? FROM theme WHERE id = ?
                UNION ALL SELECT t.id, down.level + 1 FROM theme t JOIN down ON t.parent_id = down.id)
            UPDATE theme SET depth = (SELECT level FROM down WHERE down.id = theme.id) WHERE id IN (SELECT id FROM down)
            """, arguments: [depth, id])
    }
}

extension ConsultDatabase {
    /// The surveys' codebooks of themes.
    public var themeBook: any ThemeBook { SQLiteThemeBook(database: self) }
}
