import ConsultCore
import Foundation

// The position-paper roles: uploaded files, their text, search and export. One implementation per engine
// (SQLite: the `SQLite…` types).

/// Uploaded files: staged as they arrive, discarded, purged, listed per submission.
public protocol AttachmentStore: Sendable {
    /// Stores `upload` staged, its bytes read from `bytes(offset, count)`, re-hashed as they are written:
    /// if they are not the bytes that were checked, nothing is stored.
    func stage(
        _ upload: CheckedUpload, limit: Int, at instant: Date, bytes: @escaping @Sendable (Int, Int) throws -> Data
    ) async throws -> (file: AttachedFile, isNew: Bool)

    /// Deletes staged files of `owner` that no answer names any more (a respondent removed them).
    func discardStaged(_ ids: [String], ownerToken: String) async throws

    /// Deletes staged files no answer took within `lifetime`; returns how many.
    func purgeStaged(olderThan lifetime: TimeInterval, at instant: Date) async throws -> Int

    /// The current files of a submission, by question.
    func currentFiles(ofSubmission id: String) async throws -> [StoredAttachment]
}

/// Attached files as analysts and respondents see and open them (opening audited).
public protocol AttachmentFiles: Sendable {
    /// The current files of submission `seq` (not those a later version replaced), by question and upload.
    func current(ofSubmission seq: Int64) async throws -> [AttachmentSummary]

    /// File `publicID` of submission `seq` (current or replaced) with its bytes, or nil.
    func file(_ publicID: String, ofSubmission seq: Int64) async throws -> (summary: AttachmentSummary, content: Data)?

    /// Records that `actor` opened a respondent's file.
    func recordDownload(
        of summary: AttachmentSummary, respondent: String, survey: String, by actor: String, at instant: Date
    ) async throws
}

/// A survey's files with their extraction, read in one snapshot for the attachments export.
public protocol AttachmentCatalog: Sendable {
    /// Runs `body` on one snapshot of the store: the files, in submission then question order, and
    /// a reader of any file's bytes from that same snapshot. Blocks.
    func read<T>(
        survey: String, _ body: (_ files: [CatalogedAttachment], _ content: (Int64) throws -> Data?) throws -> T
    ) throws -> T
}

/// The text extracted from attached files: what waits, and each outcome.
public protocol AttachmentTexts: Sendable {
    /// Up to `limit` stored files without a text row, oldest first.
    func pending(limit: Int) async throws -> [PendingExtraction]

    /// The file's bytes, or nil when there is no such file.
    func content(of id: Int64) async throws -> Data?

    /// Records the outcome for file `id`, unless one is already recorded (then nothing changes).
    /// Returns whether this call recorded it.
    func record(_ outcome: ExtractionOutcome, for id: Int64, at instant: Date) async throws -> Bool
}

/// Full-text search of the attached files' text.
public protocol AttachmentTextSearch: Sendable {
    func page(
        of survey: Survey, query: TextQuery?, filters: TextSearchFilters, after: Int64?, limit: Int
    ) async throws -> AttachmentSearchPage
}

extension AttachmentTextSearch {
    public func page(of survey: Survey, query: TextQuery?, filters: TextSearchFilters) async throws -> AttachmentSearchPage {
        try await page(of: survey, query: query, filters: filters, after: nil, limit: 50)
    }
}
