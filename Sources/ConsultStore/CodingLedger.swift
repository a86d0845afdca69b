import ConsultCore
import Foundation
import GRDB

/// One analyst's theme on one free text, as the reading room shows it.
public struct Coding: Sendable, Hashable {
    public let id: Int64
    public let guid: String
    public let themeID: Int64
    public let themeName: String
    public let themeColour: String
    public let submissionSeq: Int64
    public let field: OpenTextField
    /// The submission version whose text was coded.
    public let version: Int
    /// The coded span, or nil for the whole text.
    public let span: TextSpan?
    /// Set by the edit that changed the text: the coding is about that version's words.
    public let onEarlierText: Bool
    public let coderID: Int64
    /// How the coder is named: role and name, as the audit log names them.
    public let coder: String
    public let codedAt: Date
    public let bulkID: Int64?
    public let removedAt: Date?

    static let columns = """
        c.id, c.guid, c.theme_id, t.name AS theme_name, t.colour AS theme_colour, c.submission_seq, c.question, c.kind,
        c.version, c.start_offset, c.end_offset, c.on_earlier_text, c.coder_id, r.role || ':' || r.name AS coder,
        c.coded_at_ms, c.bulk_id, c.removed_at_ms
        """
    static let joins = "FROM coding c JOIN theme t ON t.id = c.theme_id JOIN role_token r ON r.id = c.coder_id"

    init?(row: Row) {
        guard let field = OpenTextField(storedQuestion: row["question"], kind: row["kind"]) else { return nil }
        self.field = field
        id = row["id"]
        guid = row["guid"]
        themeID = row["theme_id"]
        themeName = row["theme_name"]
        themeColour = row["theme_colour"]
        submissionSeq = row["submission_seq"]
        version = row["version"]
        let start: Int? = row["start_offset"]
        let end: Int? = row["end_offset"]
        span = start.flatMap { start in end.map { TextSpan(stored: start, end: $0) } }
        onEarlierText = row["on_earlier_text"]
        coderID = row["coder_id"]
        coder = row["coder"]
        codedAt = Date(milliseconds: row["coded_at_ms"])
        bulkID = row["bulk_id"]
        removedAt = (row["removed_at_ms"] as Int64?).map(Date.init(milliseconds:))
    }
}

/// Why a coding is refused; nothing was changed.
public enum CodingRefusal: Error, StoreRefusal, Hashable {
    /// No coding with this id in this survey.
    case unknownCoding(Int64)
    /// The coding was already removed.
    case alreadyRemoved(Int64)
    /// The submission was edited since its text was read: read it again.
    case textChanged(current: Int)
    /// The coder's token has no row (a principal made without a token).
    case noCoder

    public var message: String {
        switch self {
        case .unknownCoding(let id): "There is no coding \(id) in this survey."
        case .alreadyRemoved(let id): "Coding \(id) was already removed."
        case .textChanged(let current):
            "The submission was edited meanwhile (now version \(current)); read it again and code the current text."
        case .noCoder: "Codings are made with an analyst's or organizer's token."
        }
    }
}

/// The codings of free texts: made one at a time by a coder (the role token's id) on the current
/// version of a text, and removed by recording who removed them when (rows are never deleted).
/// Both are audited.
public struct SQLiteCodingLedger: CodingLedger {
    let database: ConsultDatabase

    /// Codes a free text of submission `seq` (whose current version must be `version`) with an
    /// active theme, whole (`span` nil) or a checked span of the current text.
    public func code(
        _ field: OpenTextField, of seq: Int64, version: Int, span: TextSpan?, theme: Int64, in survey: String,
        coder: Int64?, actor: String, at instant: Date
    ) async throws -> Coding {
        guard let coder else { throw CodingRefusal.noCoder }
        return try await database.pool.write { db in
            let theme = try SQLiteThemeBook.activeTheme(theme, of: survey, in: db)
            let current = try Int.fetchOne(
                db, sql: "SELECT version FROM submission WHERE seq = ? AND survey_id = ?", arguments: [seq, survey])
            guard let current else { throw AccessFailure.notFound }
            guard current == version else { throw CodingRefusal.textChanged(current: current) }
            try db.execute(
                sql: """
                    INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, start_offset,
                        end_offset, coder_id, coded_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [UUID().uuidString.lowercased(), survey, theme.id, seq, field.storedQuestion, field.kind.rawValue,
                    version, span?.start, span?.end, coder, instant.milliseconds])
            let coding = try Self.coding(db.lastInsertedRowID, in: survey, db: db)
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "coding.added", surveyID: survey, subject: coding.guid,
                oldValue: nil, newValue: Self.summary(coding), reason: nil), in: db)
            return coding
        }
    }

    /// Records the removal of a coding in force.
    public func remove(_ id: Int64, in survey: String, by coder: Int64?, actor: String, at instant: Date) async throws -> Coding {
        guard let coder else { throw CodingRefusal.noCoder }
        return try await database.pool.write { db in
            let coding = try Self.coding(id, in: survey, db: db)
            guard coding.removedAt == nil else { throw CodingRefusal.alreadyRemoved(id) }
            try db.execute(
                sql: "UPDATE coding SET removed_at_ms = ?, removed_by = ? WHERE id = ?",
                arguments: [instant.milliseconds, coder, id])
            try database.appendAudit(AuditRecord(
                at: instant, actor: actor, action: "coding.removed", surveyID: survey, subject: coding.guid,
                oldValue: Self.summary(coding), newValue: nil, reason: nil), in: db)
            return try Self.coding(id, in: survey, db: db)
        }
    }

    /// The codings of submission `seq`, in force only unless `removed`, oldest first.
    public func codings(of seq: Int64, includingRemoved removed: Bool = false) async throws -> [Coding] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Coding.columns) \(Coding.joins)
                WHERE c.submission_seq = ? AND (? OR c.removed_at_ms IS NULL) ORDER BY c.id
                """, arguments: [seq, removed]).compactMap(Coding.init(row:))
        }
    }

    /// Every coding in force of `survey` as agreement needs it: text, coder and theme.
    public func codingsInForce(of survey: String) async throws -> [(text: String, coder: Int64, theme: Int64)] {
        try await database.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT submission_seq, question, kind, coder_id, theme_id FROM coding
                WHERE survey_id = ? AND removed_at_ms IS NULL
                """, arguments: [survey])
            var all: [(text: String, coder: Int64, theme: Int64)] = []
            while let row = try rows.next() {
                let seq: Int64 = row["submission_seq"]
                let question: String = row["question"]
                let kind: String = row["kind"]
                all.append(("\(seq)/\(question)/\(kind)", row["coder_id"], row["theme_id"]))
            }
            return all
        }
    }

    static func coding(_ id: Int64, in survey: String, db: Database) throws -> Coding {
        guard let coding = try Row.fetchOne(
            db, sql: "SELECT \(Coding.columns) \(Coding.joins) WHERE c.id = ? AND c.survey_id = ?", arguments: [id, survey]
        ).flatMap(Coding.init(row:))
        else { throw CodingRefusal.unknownCoding(id) }
        return coding
    }

    package static func summary(_ coding: Coding) -> String {
        let place = coding.span.map { "[\($0.start), \($0.end))" } ?? "whole text"
        return "\(coding.themeName) on submission \(coding.submissionSeq) \(coding.field.storedQuestion)/\(coding.field.kind.rawValue) v\(coding.version) \(place)"
    }
}

extension ConsultDatabase {
    /// The codings of free texts.
    public var codingLedger: any CodingLedger { SQLiteCodingLedger(database: self) }
}
