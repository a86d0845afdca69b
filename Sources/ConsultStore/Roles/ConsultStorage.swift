import ConsultCore
import Foundation

/// Everything consult keeps, by role: what the server, the exports and the CLI work with, so that
/// no engine type reaches them. One implementation per engine (SQLite: ``ConsultDatabase``).
public protocol ConsultStorage:
    SubmissionRecords, DeadlineRecords, DraftRecords, AccessRecords, AnalysisReads, ResponseStreams, ServiceKeys,
    StorageLifecycle
{
    // The reading room, campaigns and position papers, each a role of its own (ReadingRoomRoles,
    // CampaignRoles, AttachmentRoles).

    /// The themes of the reading room's codebook.
    var themeBook: any ThemeBook { get }
    /// Respondents and texts per theme and sector.
    var themeCounts: any ThemeCounts { get }
    /// Codings of texts with themes.
    var codingLedger: any CodingLedger { get }
    /// Codings applied to every hit of a search at once.
    var bulkCodings: any BulkCodings { get }
    /// The coded texts, for the REFI-QDA project.
    var codedTexts: any CodedTexts { get }
    /// Imports a REFI-QDA codebook's themes.
    var codebookImporter: any CodebookImporter { get }
    /// Full-text search of the open answers.
    var textSearch: any TextSearch { get }
    /// The open texts streamed for the analysis.
    var openTextScan: any OpenTextScan { get }
    /// The languages of the open texts per sector.
    var textLanguageCounts: any TextLanguageCounts { get }
    /// Respondents found by their pseudonymous id.
    var respondents: any RespondentDirectory { get }
    /// The clusters of look-alike submissions and their review.
    var campaignReview: any CampaignReview { get }
    /// Campaigns counted for the analysis.
    var campaignCounting: any CampaignCounting { get }
    /// The ballot-stuffing signals.
    var campaignSignals: any CampaignSignalStore { get }
    /// Places new submissions among look-alikes and rebuilds the clusters.
    func campaignDetector(surveys: [Survey]) -> any CampaignDetector
    /// Uploaded files: staging, binding, purging.
    var attachmentStore: any AttachmentStore { get }
    /// Attached files as the analyst and the respondent see them.
    var attachmentFiles: any AttachmentFiles { get }
    /// The files of one survey with their extraction, for the attachments export.
    var attachmentCatalog: any AttachmentCatalog { get }
    /// The text extracted from attached files.
    var attachmentTexts: any AttachmentTexts { get }
    /// Full-text search of the attached files' text.
    var attachmentTextSearch: any AttachmentTextSearch { get }
    /// The folder where uploads are spooled before they are stored.
    var uploadSpool: URL { get }
    /// The whole database, table by table, for `consult copy`.
    var transfer: any StoreTransfer { get }
}

/// The roles both engines have today (SQLite and PostgreSQL): what the store contract checks, and what
/// the commands that need no more (tokens, deadlines, the audit log, receipts) run on.
public typealias CoreStorage = SubmissionRecords & DeadlineRecords & DraftRecords & AccessRecords & AnalysisReads
    & ServiceKeys & StorageLifecycle
