import GRDB

/// Position papers (extract): the full-text index over the text extracted from attachments, kept
/// by triggers as ``SQLiteAttachmentTexts`` records it (migration "v15-attachment-search").
enum AttachmentSearchSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE attachment_text_search USING fts5(
                text, content = 'attachment_text', content_rowid = 'attachment_id',
                tokenize = 'unicode61 remove_diacritics 2');
            CREATE TRIGGER attachment_text_indexed AFTER INSERT ON attachment_text BEGIN
                INSERT INTO attachment_text_search (rowid, text) VALUES (new.attachment_id, new.text);
            END;
            CREATE TRIGGER attachment_text_unindexed AFTER DELETE ON attachment_text BEGIN
                INSERT INTO attachment_text_search (attachment_text_search, rowid, text)
                    VALUES ('delete', old.attachment_id, old.text);
            END;
            CREATE TRIGGER attachment_text_reindexed AFTER UPDATE OF text ON attachment_text BEGIN
                INSERT INTO attachment_text_search (attachment_text_search, rowid, text)
                    VALUES ('delete', old.attachment_id, old.text);
                INSERT INTO attachment_text_search (rowid, text) VALUES (new.attachment_id, new.text);
            END;
            INSERT INTO attachment_text_search (attachment_text_search) VALUES ('rebuild');
            -- The worker's question, stored files without a text row yet, answered from these two
            -- small indexes: both tables' rows hold large values (the bytes, the text), which a
            -- scan of the tables themselves would read page by page.
            CREATE INDEX attachment_bound ON attachment(submission_seq) WHERE submission_seq IS NOT NULL;
            CREATE INDEX attachment_text_by_status ON attachment_text(status);
            """)
    }
}
