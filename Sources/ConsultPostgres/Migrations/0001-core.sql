-- consult on PostgreSQL (issue 18): submissions, deadlines, drafts, tokens, sessions, audit log, keys.
-- Instants are milliseconds since 1970 (bigint), as in the SQLite store. Free texts that may hold
-- U+0000 (which PostgreSQL's text refuses) are stored as their UTF-8 bytes (bytea).

-- The keys every node shares: receipts' signing key, the reply-sealing key, pseudonyms, form tokens, client addresses.
CREATE TABLE server_secret (
    name text PRIMARY KEY,
    value bytea NOT NULL
);

-- One row per survey, made on first use: the deadline an organizer set (NULL: the survey file's).
-- Storing a submission reads this row FOR SHARE inside its transaction and moving the deadline
-- updates it: a move waits for the submissions being stored, and the submissions after it see it.
CREATE TABLE survey_state (
    survey_id text PRIMARY KEY,
    closes_at_ms bigint
);

CREATE TABLE submission (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    survey_id text NOT NULL,
    received_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    edit_token_hash bytea NOT NULL UNIQUE,
    declared_sector text NOT NULL,
    other_sector_text bytea,
    classified_sector text NOT NULL,
    sector_override text,
    final_sector text NOT NULL GENERATED ALWAYS AS (coalesce(sector_override, classified_sector)) STORED,
    country text CHECK (country IS NULL OR length(country) = 2),
    region text,
    publication text NOT NULL CHECK (publication IN ('public_named', 'public_anonymous', 'confidential')),
    level text,
    -- A keyed hash of the sender's address group (the ballot-stuffing signals).
    client_key bytea
);
CREATE INDEX submission_facts ON submission (survey_id, final_sector, country, level, received_at_ms);

-- Every version of every submission, as submitted; the highest version counts.
CREATE TABLE submission_version (
    submission_seq bigint NOT NULL REFERENCES submission (seq),
    version bigint NOT NULL,
    received_at_ms bigint NOT NULL,
    answers_json text NOT NULL,
    answers_sha256 text NOT NULL CHECK (length(answers_sha256) = 64),
    PRIMARY KEY (submission_seq, version)
);

-- The latest version's values, one row per chosen option, rated item or value, in answer order.
CREATE TABLE answer_value (
    submission_seq bigint NOT NULL REFERENCES submission (seq),
    position bigint NOT NULL,
    question text NOT NULL,
    item text,
    option text,
    number double precision,
    text bytea,
    PRIMARY KEY (submission_seq, position)
);

-- Counts over the latest versions by final sector, kept in the transaction that stores, edits or
-- reassigns a submission (each transaction changes its rows in one fixed order).
CREATE TABLE question_tally (
    survey_id text NOT NULL,
    question text NOT NULL,
    sector text NOT NULL,
    respondents bigint NOT NULL CHECK (respondents >= 0),
    PRIMARY KEY (survey_id, question, sector)
);
CREATE TABLE option_tally (
    survey_id text NOT NULL,
    question text NOT NULL,
    option text NOT NULL,
    sector text NOT NULL,
    respondents bigint NOT NULL CHECK (respondents >= 0),
    PRIMARY KEY (survey_id, question, option, sector)
);
CREATE TABLE number_tally (
    survey_id text NOT NULL,
    question text NOT NULL,
    item text NOT NULL,
    number double precision NOT NULL,
    sector text NOT NULL,
    answers bigint NOT NULL CHECK (answers >= 0),
    PRIMARY KEY (survey_id, question, item, number, sector)
);

-- Submissions refused because they came before the opening or after the deadline.
CREATE TABLE refused_attempt (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id text NOT NULL,
    attempted_at_ms bigint NOT NULL,
    reason text NOT NULL CHECK (reason IN ('not-yet-open', 'deadline-passed'))
);
CREATE INDEX refused_attempt_by_survey ON refused_attempt (survey_id, reason);

-- Retried requests: unique across nodes by the primary key.
CREATE TABLE idempotency_key (
    key_hash bytea PRIMARY KEY,
    request_sha256 bytea NOT NULL,
    sealed_response bytea NOT NULL,
    created_at_ms bigint NOT NULL
);

CREATE TABLE draft (
    id text PRIMARY KEY,
    survey_id text NOT NULL,
    resume_token_hash bytea NOT NULL UNIQUE,
    answers_json text NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    submitted_as text REFERENCES submission (id),
    client_hash bytea
);
CREATE INDEX draft_open_by_client ON draft (client_hash, updated_at_ms) WHERE submitted_as IS NULL;
CREATE INDEX draft_open_by_survey ON draft (survey_id, updated_at_ms) WHERE submitted_as IS NULL;
CREATE INDEX draft_by_age ON draft (updated_at_ms);

CREATE TABLE role_token (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('organizer', 'analyst')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash bytea NOT NULL UNIQUE,
    -- The public name of a token: a prefix of its hash, never the token.
    public_id text NOT NULL GENERATED ALWAYS AS ('tk-' || encode(substring(token_hash FROM 1 FOR 5), 'hex')) STORED UNIQUE,
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint CHECK (expires_at_ms IS NULL OR expires_at_ms > created_at_ms),
    revoked_at_ms bigint,
    last_used_at_ms bigint
);

-- A signed-in browser: the hash of its session cookie and the role token it signed in with.
CREATE TABLE staff_session (
    session_hash bytea PRIMARY KEY,
    role_token_id bigint NOT NULL REFERENCES role_token (id),
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL CHECK (expires_at_ms > created_at_ms)
);

CREATE TABLE audit_entry (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    survey_id text,
    subject text,
    old_value text,
    new_value text,
    reason text
);
CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_is_append_only();
