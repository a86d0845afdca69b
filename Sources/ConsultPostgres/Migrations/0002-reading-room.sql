-- The reading room on PostgreSQL (issue 18): every free text of the latest versions with its search
-- words, the themes analysts code with, their codings, and the respondents' pseudonyms.

-- Every free text of the latest versions: answers to text questions ('answer'), "other, please
-- specify" texts ('other') and the other-sector text ('sector', question ''). Kept in the transaction
-- that stores or edits a submission (PostgresOpenTexts). The text is kept as its UTF-8 bytes (it may
-- hold U+0000); `words` is the NUL-free index of it: the words SQLite's FTS5 tokenizer
-- (unicode61 remove_diacritics 2) finds, with their positions, so that both engines find the same texts.
CREATE TABLE open_text (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_seq bigint NOT NULL REFERENCES submission (seq),
    question text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('answer', 'other', 'sector')),
    text bytea NOT NULL,
    words tsvector NOT NULL,
    -- The language consult assigns the text (LanguageRule; 'und' when undetermined), and CLD2's guess,
    -- its share of the letters and its reliability.
    language text NOT NULL DEFAULT 'und',
    language_guess text NOT NULL DEFAULT 'und',
    language_percent integer NOT NULL DEFAULT 0 CHECK (language_percent BETWEEN 0 AND 100),
    language_reliable boolean NOT NULL DEFAULT false,
    UNIQUE (submission_seq, question, kind)
);
CREATE INDEX open_text_words ON open_text USING gin (words);

-- The pseudonymous respondent id of each submission (a keyed hash), to find it from what exports and pages show.
CREATE TABLE respondent_pseudonym (
    pseudonym text NOT NULL,
    submission_seq bigint NOT NULL REFERENCES submission (seq),
    PRIMARY KEY (pseudonym, submission_seq)
);

-- A survey's codebook: themes nested up to three levels. A retired theme takes no new codings and
-- keeps its old ones; a merged theme's codings were moved to `merged_into`.
CREATE TABLE theme (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id text NOT NULL,
    guid text NOT NULL UNIQUE,
    parent_id bigint REFERENCES theme (id),
    depth integer NOT NULL CHECK (depth BETWEEN 1 AND 3),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    colour text NOT NULL CHECK (colour ~ '^#[0-9A-F]{6}$'),
    created_at_ms bigint NOT NULL,
    retired_at_ms bigint,
    merged_into bigint REFERENCES theme (id)
);
-- Unique across nodes: two analysts creating or renaming a theme at once cannot both take a name.
CREATE UNIQUE INDEX theme_name_in_place ON theme (survey_id, coalesce(parent_id, 0), name)
    WHERE retired_at_ms IS NULL AND merged_into IS NULL;

-- A search's results coded at once with one theme, so the whole batch can be undone.
CREATE TABLE coding_bulk (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id text NOT NULL,
    theme_id bigint NOT NULL REFERENCES theme (id),
    query text NOT NULL,
    filters_json text NOT NULL,
    coder_id bigint NOT NULL REFERENCES role_token (id),
    at_ms bigint NOT NULL,
    answers bigint NOT NULL CHECK (answers >= 0),
    undone_at_ms bigint,
    undone_by bigint REFERENCES role_token (id)
);

-- One analyst's theme on one free text, whole (no offsets) or a span [start, end) in Unicode scalars
-- of the text of submission version `version`. An edit that changes the text sets `on_earlier_text`.
-- Removing a coding sets `removed_at_ms`; rows are never deleted.
CREATE TABLE coding (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid text NOT NULL UNIQUE,
    survey_id text NOT NULL,
    theme_id bigint NOT NULL REFERENCES theme (id),
    submission_seq bigint NOT NULL REFERENCES submission (seq),
    question text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('answer', 'other', 'sector')),
    version bigint NOT NULL CHECK (version >= 1),
    start_offset bigint,
    end_offset bigint,
    on_earlier_text boolean NOT NULL DEFAULT false,
    coder_id bigint NOT NULL REFERENCES role_token (id),
    coded_at_ms bigint NOT NULL,
    bulk_id bigint REFERENCES coding_bulk (id),
    removed_at_ms bigint,
    removed_by bigint REFERENCES role_token (id),
    CHECK ((start_offset IS NULL) = (end_offset IS NULL)),
    CHECK (start_offset IS NULL OR (start_offset >= 0 AND end_offset > start_offset))
);
CREATE INDEX coding_by_text ON coding (submission_seq, question, kind);
CREATE INDEX coding_in_force_by_theme ON coding (theme_id, submission_seq) WHERE removed_at_ms IS NULL;
CREATE INDEX coding_by_bulk ON coding (bulk_id) WHERE bulk_id IS NOT NULL;
