import Foundation

/// A whole consultation read out of one store and written into another, engine to engine (`consult copy`):
/// every table of ``TransferSchema`` row by row, in an engine-neutral form, so that the copy's exports are
/// byte-identical to the original's. One implementation per engine.
public protocol StoreTransfer: Sendable {
    /// Streams every table of ``TransferSchema``, in its order, from one snapshot, a batch at a time.
    /// Blocks the calling thread: call it off Swift's cooperative threads.
    func read(_ body: (TransferBatch) throws -> Void) throws

    /// Writes the batches `next` hands over (nil after the last) in one transaction, with the source's keys
    /// in place of this store's. Refused, with nothing written, unless this store holds no consultation
    /// data yet. Blocks the calling thread.
    func write(_ next: () throws -> TransferBatch?) throws
}

/// One value of a copied row. Text travels as its UTF-8 bytes (it may hold U+0000); each engine stores it
/// as its column needs.
public enum TransferValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case bytes(Data)
}

/// Rows of one table, their values in the order of its ``TransferTable/columns``.
public struct TransferBatch: Sendable {
    public let table: TransferTable
    public var rows: [[TransferValue]]

    public init(table: TransferTable, rows: [[TransferValue]] = []) {
        self.table = table
        self.rows = rows
    }

    /// Whether the batch is big enough to hand over: bounded in rows and in bytes (attached files are large).
    public var isFull: Bool { rows.count >= 1_000 || bytes >= 16 << 20 }

    private(set) var bytes = 0

    public mutating func append(_ row: [TransferValue]) {
        rows.append(row)
        for case .bytes(let data) in row { bytes += data.count }
    }
}

/// One table as a copy carries it: its name, its columns (generated ones left out), the order its rows
/// are read in, and the columns that may name a later row of the same table (written once every row is in).
public struct TransferTable: Sendable, Hashable {
    public let name: String
    public let columns: [String]
    public let order: String
    public let later: [String]

    init(_ name: String, _ columns: [String], order: String, later: [String] = []) {
        self.name = name
        self.columns = columns
        self.order = order
        self.later = later
    }
}

/// Every table a consultation is made of, in an order where each row's references come before it. Derived
/// indexes (full-text search, answer codes) are not carried: each engine keeps its own from the rows.
public enum TransferSchema {
    public static let keys = TransferTable("server_secret", ["name", "value"], order: "name")

    public static let tables: [TransferTable] = [
        keys,
        TransferTable("survey_deadline", ["survey_id", "closes_at_ms"], order: "survey_id"),
        TransferTable(
            "role_token",
            ["id", "role", "name", "token_hash", "created_at_ms", "expires_at_ms", "revoked_at_ms", "last_used_at_ms"],
            order: "id"),
        TransferTable(
            "submission",
            [
                "seq", "id", "survey_id", "received_at_ms", "updated_at_ms", "version", "edit_token_hash", "declared_sector",
                "other_sector_text", "classified_sector", "sector_override", "country", "region", "publication", "level",
            ], order: "seq"),
        TransferTable("submission_client", ["submission_seq", "client_key"], order: "submission_seq"),
        TransferTable(
            "submission_version", ["submission_seq", "version", "received_at_ms", "answers_json", "answers_sha256"],
            order: "submission_seq, version"),
        answerValues,
        TransferTable("question_tally", ["survey_id", "question", "sector", "respondents"], order: "survey_id, question, sector"),
        TransferTable(
            "option_tally", ["survey_id", "question", "option", "sector", "respondents"],
            order: "survey_id, question, option, sector"),
        TransferTable(
            "number_tally", ["survey_id", "question", "item", "number", "sector", "answers"],
            order: "survey_id, question, item, number, sector"),
        TransferTable("refused_attempt", ["id", "survey_id", "attempted_at_ms", "reason"], order: "id"),
        TransferTable(
            "idempotency_key", ["key_hash", "request_sha256", "sealed_response", "created_at_ms"], order: "key_hash"),
        TransferTable(
            "draft",
            ["id", "survey_id", "resume_token_hash", "answers_json", "created_at_ms", "updated_at_ms", "submitted_as", "client_hash"],
            order: "id"),
        TransferTable(
            "staff_session", ["session_hash", "role_token_id", "created_at_ms", "expires_at_ms"], order: "session_hash"),
        TransferTable(
            "audit_entry", ["id", "at_ms", "actor", "action", "survey_id", "subject", "old_value", "new_value", "reason"],
            order: "id"),
        TransferTable("respondent_pseudonym", ["pseudonym", "submission_seq"], order: "pseudonym, submission_seq"),
        TransferTable(
            "open_text",
            [
                "id", "submission_seq", "question", "kind", "text", "language", "language_guess", "language_percent",
                "language_reliable",
            ], order: "id"),
        TransferTable(
            "theme",
            [
                "id", "survey_id", "guid", "parent_id", "depth", "name", "description", "colour", "created_at_ms",
                "retired_at_ms", "merged_into",
            ], order: "id", later: ["merged_into"]),
        TransferTable(
            "coding_bulk",
            ["id", "survey_id", "theme_id", "query", "filters_json", "coder_id", "at_ms", "answers", "undone_at_ms", "undone_by"],
            order: "id"),
        TransferTable(
            "coding",
            [
                "id", "guid", "survey_id", "theme_id", "submission_seq", "question", "kind", "version", "start_offset",
                "end_offset", "on_earlier_text", "coder_id", "coded_at_ms", "bulk_id", "removed_at_ms", "removed_by",
            ], order: "id"),
        TransferTable(
            "campaign_cluster",
            ["id", "survey_id", "scope", "representative_seq", "review", "reviewed_at_ms", "reviewed_by", "created_at_ms"],
            order: "id"),
        TransferTable(
            "campaign_member", ["submission_seq", "scope", "cluster_id", "similarity", "joined_at_ms", "placed_by"],
            order: "submission_seq, scope"),
        TransferTable(
            "near_duplicate_print",
            ["submission_seq", "scope", "survey_id", "exact_hash", "signature", "word_count", "nearest_seq"],
            order: "submission_seq, scope"),
        TransferTable("near_duplicate_queue", ["submission_seq", "version"], order: "submission_seq"),
        TransferTable("near_duplicate_generation", ["survey_id", "generation"], order: "survey_id"),
        TransferTable(
            "attachment",
            [
                "id", "public_id", "survey_id", "question", "submission_seq", "owner_hash", "file_name", "kind", "size",
                "sha256", "uploaded_at_ms", "replaced_at_ms", "content",
            ], order: "id"),
        TransferTable(
            "attachment_text", ["attachment_id", "status", "text", "pages", "characters", "failure", "extracted_at_ms"],
            order: "attachment_id"),
    ]

    /// Answer values with their question, item and option ids as text (SQLite stores them as codes).
    public static let answerValues = TransferTable(
        "answer_value", ["submission_seq", "position", "question", "item", "option", "number", "text"],
        order: "submission_seq, position")
}

/// A copy refused before anything was written.
public struct TransferRefusal: Error, CustomStringConvertible {
    public let description: String

    package init(_ description: String) {
        self.description = description
    }

    /// The target already holds data of its own.
    package static func notEmpty(_ counts: [(table: String, rows: Int)]) -> TransferRefusal {
        let held = counts.map { "\($0.rows) in \($0.table)" }.joined(separator: ", ")
        return TransferRefusal("the target database already holds data (\(held)): copy only into a new, empty database")
    }
}

/// A value a copy cannot store where it is going (text that is not UTF-8, an unknown column type).
public struct TransferValueError: Error, CustomStringConvertible {
    public let description: String

    package init(table: String, column: String, _ problem: String) {
        description = "\(table).\(column): \(problem)"
    }
}
