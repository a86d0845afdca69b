// refiqda: storing an imported REFI-QDA codebook. (A small writer of its own until the themes
// store type is merged; the lead may move it there.)
import ConsultCore
import Foundation
import GRDB

/// Why an imported codebook was refused; nothing was stored.
public struct CodebookImportRefusal: StoreRefusal, Equatable {
    package init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }

    public enum Reason: Sendable, Equatable {
        /// The file itself is wrong (two sibling codes with one name, a guid used twice, too deep).
        case invalid
        /// It clashes with the survey's themes (a top-level name already in use).
        case conflict
    }

    public let reason: Reason
    public let message: String
}

/// What an import stored.
public struct CodebookImportResult: Sendable, Equatable {
    package init(created: Int, renamedGUIDs: [String: String]) {
        self.created = created
        self.renamedGUIDs = renamedGUIDs
    }

    /// Themes created (retired ones included).
    public let created: Int
    /// Codes whose guid was already used in this database and which got a new one: file guid → stored guid.
    public let renamedGUIDs: [String: String]
}

/// Adds the themes of a codebook file to a survey: in one transaction with its audit entry,
/// so on any refusal or failure nothing changes. Imported top-level codes become top-level themes.
public struct SQLiteCodebookImporter: CodebookImporter {
    let database: ConsultDatabase

    /// What the audit log calls an import.
    public static let importedAction = "themes.imported"

    public func importThemes(
        _ themes: [CodebookTheme], into survey: SurveyID, by actor: String, at instant: Date
    ) async throws -> CodebookImportResult {
        try Self.check(themes)
        return try await database.pool.write { db in
            var renamed: [String: String] = [:]
            var created = 0
            func insert(_ theme: CodebookTheme, parent: Int64?, depth: Int) throws {
                if parent == nil, !theme.retired, try Bool.fetchOne(db, sql: """
                    SELECT 1 FROM theme WHERE survey_id = ? AND parent_id IS NULL AND name = ?
                        AND retired_at_ms IS NULL AND merged_into IS NULL
                    """, arguments: [survey.rawValue, try SQLiteThemeBook.checkedName(theme.name)]) == true
                {
                    throw CodebookImportRefusal(
                        reason: .conflict,
                        message: "Code \"\(theme.name)\" (line \(theme.line)): the survey already has a top-level theme with that name.")
                }
                var guid = theme.guid
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM theme WHERE guid = ?", arguments: [guid]) == true {
                    guid = UUID().uuidString
                    renamed[theme.guid] = guid
                }
                try db.execute(sql: """
                    INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms, retired_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        survey.rawValue, guid, parent, depth, try SQLiteThemeBook.checkedName(theme.name), theme.description,
                    try SQLiteThemeBook.checkedColour(theme.colour), instant.milliseconds,
                        theme.retired ? instant.milliseconds : nil,
                    ])
                created += 1
                let id = db.lastInsertedRowID
                for child in theme.children { try insert(child, parent: id, depth: depth + 1) }
            }
            for theme in themes { try insert(theme, parent: nil, depth: 1) }
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: Self.importedAction, surveyID: survey.rawValue, subject: "codebook.qdc",
                oldValue: nil, newValue: "\(created) themes", reason: nil), in: db)
            return CodebookImportResult(created: created, renamedGUIDs: renamed)
        }
    }

    /// The file's own rules: at most three levels, names of 1–200 characters, no two siblings with
    /// one name, no guid twice.
    package static func check(_ themes: [CodebookTheme]) throws {
        var guids: Set<String> = []
        func check(_ siblings: [CodebookTheme], depth: Int) throws {
            var names: Set<String> = []
            for theme in siblings {
                func refuse(_ why: String) -> CodebookImportRefusal {
                    CodebookImportRefusal(reason: .invalid, message: "Code \"\(theme.name)\" (line \(theme.line)): \(why)")
                }
                if depth > CodebookTheme.maximumDepth {
                    throw refuse("it is nested \(depth) levels deep; themes nest at most \(CodebookTheme.maximumDepth) levels.")
                }
                // The codebook page's and API's rules, one set for themes however they arrive.
                do {
                    _ = try SQLiteThemeBook.checkedName(theme.name)
                    _ = try SQLiteThemeBook.checkedDescription(theme.description)
                    _ = try SQLiteThemeBook.checkedColour(theme.colour)
                } catch let refusal as ThemeRefusal {
                    throw refuse(refusal.message)
                }
                if !names.insert(try SQLiteThemeBook.checkedName(theme.name)).inserted { throw refuse("another code at the same place has the same name.") }
                if !guids.insert(theme.guid).inserted { throw refuse("its guid \(theme.guid) is used by another code.") }
                try check(theme.children, depth: depth + 1)
            }
        }
        try check(themes, depth: 1)
    }
}

extension ConsultDatabase {
    /// Imports codebooks into surveys.
    public var codebookImporter: any CodebookImporter { SQLiteCodebookImporter(database: self) }
}
