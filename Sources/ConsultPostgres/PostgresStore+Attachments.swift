import ConsultStore

extension PostgresStore {
    /// Position papers: uploaded files, staged and bound.
    public var attachmentStore: any AttachmentStore { PostgresAttachmentStore(store: self) }
    /// Position papers: submissions' files for analysts.
    public var attachmentFiles: any AttachmentFiles { PostgresAttachmentFiles(store: self) }
    /// Position papers: the files of a survey for its attachments export (blocking, one snapshot).
    public var attachmentCatalog: any AttachmentCatalog { PostgresAttachmentCatalog(store: self) }
    /// Position papers: the extraction worker's reads and writes.
    public var attachmentTexts: any AttachmentTexts { PostgresAttachmentTexts(store: self) }
    /// Position papers: the search of the files' extracted text.
    public var attachmentTextSearch: any AttachmentTextSearch { PostgresAttachmentTextSearch(store: self) }
}
