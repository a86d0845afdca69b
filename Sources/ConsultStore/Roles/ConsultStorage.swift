import ConsultCore
import Foundation

/// Everything consult keeps, by role: what the server, the exports and the CLI work with, so that
/// no engine type reaches them. One implementation per engine (SQLite: ``ConsultDatabase``).
public protocol ConsultStorage:
    SubmissionRecords, DeadlineRecords, DraftRecords, AccessRecords, AnalysisReads, ResponseStreams, ServiceKeys,
    StorageLifecycle
{
    // The reading room, campaigns and position papers: each is already a small type of its own;
    // they become protocols as the PostgreSQL engine takes them over (issue 18).

    /// The themes of the reading room's codebook.
    var themeBook: ThemeBook { get }
    /// Respondents and texts per theme and sector.
    var themeCounts: ThemeCounts { get }
    /// Codings of texts with themes.
    var codingLedger: CodingLedger { get }
    /// Codings applied to every hit of a search at once.
    var bulkCodings: BulkCodings { get }
    /// The coded texts, for the REFI-QDA project.
    var codedTexts: CodedTexts { get }
    /// Imports a REFI-QDA codebook's themes.
    var codebookImporter: CodebookImporter { get }
    /// Full-text search of the open answers.
    var textSearch: TextSearch { get }
    /// The open texts streamed for the analysis.
    var openTextScan: OpenTextScan { get }
    /// The languages of the open texts per sector.
    var textLanguageCounts: TextLanguageCounts { get }
    /// Respondents found by their pseudonymous id.
    var respondents: RespondentDirectory { get }
    /// The clusters of look-alike submissions and their review.
    var campaignReview: CampaignReview { get }
    /// Campaigns counted for the analysis.
    var campaignCounting: CampaignCounting { get }
    /// The ballot-stuffing signals.
    var campaignSignals: CampaignSignalStore { get }
    /// Places new submissions among look-alikes and rebuilds the clusters.
    func campaignDetector(surveys: [Survey]) -> CampaignDetector
    /// Uploaded files: staging, binding, purging.
    var attachmentStore: AttachmentStore { get }
    /// Attached files as the analyst and the respondent see them.
    var attachmentFiles: AttachmentFiles { get }
    /// The files of one survey with their extraction, for the attachments export.
    var attachmentCatalog: AttachmentCatalog { get }
    /// The text extracted from attached files.
    var attachmentTexts: AttachmentTexts { get }
    /// Full-text search of the attached files' text.
    var attachmentTextSearch: AttachmentTextSearch { get }
    /// The folder where uploads are spooled before they are stored.
    var uploadSpool: URL { get }
}
