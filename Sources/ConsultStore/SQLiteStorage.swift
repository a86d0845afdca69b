import ConsultCore
import Foundation

/// The SQLite engine behind every role of ``ConsultStorage``: the methods live in the files of their role.
extension ConsultDatabase: ConsultStorage {
    public var bulkCodings: BulkCodings { BulkCodings(self) }
    public var textSearch: TextSearch { TextSearch(self) }
    public var openTextScan: OpenTextScan { OpenTextScan(database: self) }
    public var textLanguageCounts: TextLanguageCounts { TextLanguageCounts(self) }
    public func campaignDetector(surveys: [Survey]) -> CampaignDetector { CampaignDetector(database: self, surveys: surveys) }
    public var attachmentStore: AttachmentStore { AttachmentStore(self) }
    public var attachmentTextSearch: AttachmentTextSearch { AttachmentTextSearch(self) }
    /// Beside the database file: `<file>-spool`.
    public var uploadSpool: URL { URL(fileURLWithPath: filePath + "-spool") }
}
