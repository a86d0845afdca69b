-- Position papers on PostgreSQL (issue 18): the files respondents attach to `file` questions, the text
-- extracted from them, and its full-text search. As in the SQLite store, the bytes live in the database
-- itself, so the storing transaction, backups and replicas cover them exactly as they cover the answers.
--
-- The bytes are one `bytea` value per file: a survey allows at most 20 MiB per file (FileRule.largestMegabytes,
-- `max_size_mb` is 1 to 20), far below bytea's 1 GB limit; the store writes and reads a file whole.

-- One uploaded file. Staged (`submission_seq` NULL) until the submission or edit that names it is stored;
-- from then on it is never changed. A later version that no longer names it sets `replaced_at_ms`: the
-- bytes stay, because earlier versions name them.
CREATE TABLE attachment (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The id answers, URLs and receipts name.
    public_id text NOT NULL UNIQUE,
    survey_id text NOT NULL,
    question text NOT NULL,
    submission_seq bigint REFERENCES submission (seq),
    -- While staged: the hash of the secret (draft resume token, submission edit token or upload token)
    -- that may use it.
    owner_hash bytea,
    -- Sanitised, for display only; never used to decide the kind or a path.
    file_name text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    -- Decided from the content, never from the name or the declared type.
    kind text NOT NULL CHECK (kind IN ('pdf', 'docx', 'odt', 'text')),
    size bigint NOT NULL CHECK (size > 0 AND size = octet_length(content)),
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    uploaded_at_ms bigint NOT NULL,
    replaced_at_ms bigint,
    content bytea NOT NULL
);
-- The bytes are never compressed (papers are PDFs, DOCX and ODT: already compressed) but kept out of line.
ALTER TABLE attachment ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE INDEX attachment_by_submission ON attachment (submission_seq, question);
CREATE INDEX attachment_staged ON attachment (uploaded_at_ms) WHERE submission_seq IS NULL;
CREATE INDEX attachment_staged_by_owner ON attachment (owner_hash, survey_id, question) WHERE submission_seq IS NULL;
CREATE INDEX attachment_by_survey ON attachment (survey_id, submission_seq) WHERE submission_seq IS NOT NULL;

-- The text extracted from an attachment, once per file (the primary key: two nodes' extractors racing
-- record one outcome). A failed extraction is recorded with its reason; the file is kept.
-- The text is kept as its UTF-8 bytes: an extracted text may hold U+0000, which PostgreSQL's text refuses.
CREATE TABLE attachment_text (
    attachment_id bigint PRIMARY KEY REFERENCES attachment (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('extracted', 'failed')),
    text bytea,
    pages bigint,
    characters bigint,
    failure text,
    extracted_at_ms bigint NOT NULL,
    -- The words of `text` for the search, cut by SQLite's own FTS5 `unicode61 remove_diacritics 2` tokenizer
    -- (ConsultPostgres/SearchWords.swift, as the open texts' words), not by a text search configuration: PostgreSQL's
    -- parser keeps e-mail addresses, URLs and decimals whole and its lower() depends on the database's locale,
    -- so the same query would find other files than on SQLite. NULL for a failed extraction.
    -- tsvector keeps word positions up to 16,383 and 256 positions per word: a "phrase" is found within
    -- the first 16,383 words of a text (any word anywhere); words over 2,046 bytes and words past about a
    -- megabyte of them (a tsvector's limit) are left out.
    words tsvector
);
CREATE INDEX attachment_text_search ON attachment_text USING gin (words);

-- The bound files waiting for their text, kept by triggers: the extraction workers of every node ask for them
-- every few seconds, and this reads only what waits, where an anti-join of `attachment` with `attachment_text`
-- would read every file the survey ever received (about 90 ms at 200,000 files on a loaded machine).
CREATE TABLE attachment_pending (
    attachment_id bigint PRIMARY KEY REFERENCES attachment (id) ON DELETE CASCADE
);
CREATE FUNCTION attachment_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attachment_pending (attachment_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER attachment_bound AFTER UPDATE OF submission_seq ON attachment
    FOR EACH ROW WHEN (OLD.submission_seq IS NULL AND NEW.submission_seq IS NOT NULL) EXECUTE FUNCTION attachment_queued();
CREATE TRIGGER attachment_stored_bound AFTER INSERT ON attachment
    FOR EACH ROW WHEN (NEW.submission_seq IS NOT NULL) EXECUTE FUNCTION attachment_queued();
CREATE FUNCTION attachment_text_dequeued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attachment_pending WHERE attachment_id = NEW.attachment_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER attachment_text_recorded AFTER INSERT ON attachment_text
    FOR EACH ROW EXECUTE FUNCTION attachment_text_dequeued();
