import ConsultCore
import Foundation

/// The SQLite engine behind every role of ``ConsultStorage``: the methods live in the files of their role.
extension ConsultDatabase: ConsultStorage {
    public var bulkCodings: any BulkCodings { SQLiteBulkCodings(self) }
    public var textSearch: any TextSearch { SQLiteTextSearch(self) }
    public var openTextScan: any OpenTextScan { SQLiteOpenTextScan(database: self) }
    public var textLanguageCounts: any TextLanguageCounts { SQLiteTextLanguageCounts(self) }
    public func campaignDetector(surveys: [Survey]) -> any CampaignDetector { SQLiteCampaignDetector(database: self, surveys: surveys) }
    public var attachmentStore: any AttachmentStore { SQLiteAttachmentStore(self) }
    public var attachmentTextSearch: any AttachmentTextSearch { SQLiteAttachmentTextSearch(self) }
    /// Beside the database file: `<file>-spool`.
    public var uploadSpool: URL { URL(fileURLWithPath: filePath + "-spool") }
}
