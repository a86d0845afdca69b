import GRDB

/// The reading room's tables: every free text of the latest versions with its full-text index,
/// the themes analysts code with, and their codings.
enum ReadingRoomSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- Every free text of the latest versions: answers to text questions ('answer'), "other,
            -- please specify" texts ('other') and the other-sector text ('sector', question ''). Kept in
            -- the transaction that stores or edits a submission; personal questions are included and
            -- filtered by their readers under the publication rule.
            CREATE TABLE open_text (
                id INTEGER PRIMARY KEY,
                submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                question TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('answer', 'other', 'sector')),
                text TEXT NOT NULL,
                UNIQUE (submission_seq, question, kind)
            );
            CREATE VIRTUAL TABLE open_text_search USING fts5(
                text, content = 'open_text', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
            CREATE TRIGGER open_text_indexed AFTER INSERT ON open_text BEGIN
                INSERT INTO open_text_search (rowid, text) VALUES (new.id, new.text);
            END;
            CREATE TRIGGER open_text_unindexed AFTER DELETE ON open_text BEGIN
                INSERT INTO open_text_search (open_text_search, rowid, text) VALUES ('delete', old.id, old.text);
            END;
            CREATE TRIGGER open_text_reindexed AFTER UPDATE OF text ON open_text BEGIN
                INSERT INTO open_text_search (open_text_search, rowid, text) VALUES ('delete', old.id, old.text);
                INSERT INTO open_text_search (rowid, text) VALUES (new.id, new.text);
            END;

            INSERT INTO open_text (submission_seq, question, kind, text)
                SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
                FROM answer_value a JOIN answer_code q ON q.id = a.question
                WHERE a.text IS NOT NULL
                ORDER BY a.submission_seq, a.position;
            INSERT INTO open_text (submission_seq, question, kind, text)
                SELECT seq, '', 'sector', other_sector_text FROM submission
                WHERE other_sector_text IS NOT NULL ORDER BY seq;

            -- A survey's codebook: themes nested up to three levels. A retired theme takes no new
            -- codings and keeps its old ones; a merged theme's codings were moved to `merged_into`.
            CREATE TABLE theme (
                id INTEGER PRIMARY KEY,
                survey_id TEXT NOT NULL,
                guid TEXT NOT NULL UNIQUE,
                parent_id INTEGER REFERENCES theme(id),
                depth INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 3),
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                description TEXT NOT NULL DEFAULT '',
                colour TEXT NOT NULL CHECK (colour GLOB '#[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]'),
                created_at_ms INTEGER NOT NULL,
                retired_at_ms INTEGER,
                merged_into INTEGER REFERENCES theme(id)
            );
            CREATE UNIQUE INDEX theme_name_in_place ON theme(survey_id, ifnull(parent_id, 0), name)
                WHERE retired_at_ms IS NULL AND merged_into IS NULL;

            -- A search's results coded at once with one theme, so the whole batch can be undone.
            CREATE TABLE coding_bulk (
                id INTEGER PRIMARY KEY,
                survey_id TEXT NOT NULL,
                theme_id INTEGER NOT NULL REFERENCES theme(id),
                query TEXT NOT NULL,
                filters_json TEXT NOT NULL,
                coder_id INTEGER NOT NULL REFERENCES role_token(id),
                at_ms INTEGER NOT NULL,
                answers INTEGER NOT NULL CHECK (answers >= 0),
                undone_at_ms INTEGER,
                undone_by INTEGER REFERENCES role_token(id)
            );

            -- One analyst's theme on one free text, whole (no offsets) or a span [start, end) in
            -- Unicode scalars of the text of submission version `version`. An edit that changes the
            -- text sets `on_earlier_text`: the coding keeps pointing at that version's words.
            -- Removing a coding sets `removed_at_ms`; rows are never deleted.
            CREATE TABLE coding (
                id INTEGER PRIMARY KEY,
                guid TEXT NOT NULL UNIQUE,
                survey_id TEXT NOT NULL,
                theme_id INTEGER NOT NULL REFERENCES theme(id),
                submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                question TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('answer', 'other', 'sector')),
                version INTEGER NOT NULL CHECK (version >= 1),
                start_offset INTEGER,
                end_offset INTEGER,
                on_earlier_text INTEGER NOT NULL DEFAULT 0 CHECK (on_earlier_text IN (0, 1)),
                coder_id INTEGER NOT NULL REFERENCES role_token(id),
                coded_at_ms INTEGER NOT NULL,
                bulk_id INTEGER REFERENCES coding_bulk(id),
                removed_at_ms INTEGER,
                removed_by INTEGER REFERENCES role_token(id),
                CHECK ((start_offset IS NULL) = (end_offset IS NULL)),
                CHECK (start_offset IS NULL OR (start_offset >= 0 AND end_offset > start_offset))
            );
            CREATE INDEX coding_by_text ON coding(submission_seq, question, kind);
            CREATE INDEX coding_in_force_by_theme ON coding(theme_id, submission_seq) WHERE removed_at_ms IS NULL;
            CREATE INDEX coding_by_bulk ON coding(bulk_id) WHERE bulk_id IS NOT NULL;
            """)
    }
}
