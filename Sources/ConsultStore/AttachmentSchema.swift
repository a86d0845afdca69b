import GRDB

/// Position papers: the files respondents attach to `file` questions, kept in the database itself
/// (written with incremental BLOB I/O) so that the storing transaction, backups and crash recovery
/// cover them exactly as they cover the answers, and the text extracted from them.
enum AttachmentSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- One uploaded file. Staged (`submission_seq` NULL) until the submission or edit that names
            -- it is stored; from then on it is never changed. A later version that no longer names it
            -- sets `replaced_at_ms`: the bytes stay, because earlier versions name them.
            CREATE TABLE attachment (
                id INTEGER PRIMARY KEY,
                -- The id answers, URLs and receipts name.
                public_id TEXT NOT NULL UNIQUE,
                survey_id TEXT NOT NULL,
                question TEXT NOT NULL,
                submission_seq INTEGER REFERENCES submission(seq),
                -- While staged: the hash of the secret (draft resume token, submission edit token or
                -- upload token) that may use it.
                owner_hash BLOB,
                -- Sanitised, for display only; never used to decide the kind or a path.
                file_name TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
                -- Decided from the content, never from the name or the declared type.
                kind TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'odt', 'text')),
                size INTEGER NOT NULL CHECK (size > 0),
                sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
                uploaded_at_ms INTEGER NOT NULL,
                replaced_at_ms INTEGER,
                content BLOB NOT NULL
            );
            CREATE INDEX attachment_by_submission ON attachment(submission_seq, question);
            CREATE INDEX attachment_staged ON attachment(uploaded_at_ms) WHERE submission_seq IS NULL;

            -- The text extracted from an attachment, for the reading room's search and the campaign
            -- detector. A failed extraction is recorded with its reason; the file is kept.
            CREATE TABLE attachment_text (
                attachment_id INTEGER PRIMARY KEY REFERENCES attachment(id),
                status TEXT NOT NULL CHECK (status IN ('extracted', 'failed')),
                text TEXT,
                pages INTEGER,
                characters INTEGER,
                failure TEXT,
                extracted_at_ms INTEGER NOT NULL
            );
            """)
    }
}
