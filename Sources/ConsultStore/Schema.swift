import GRDB

/// The store's schema, one migration per change. Released migrations are never edited.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: submissions, drafts, deadlines, tokens, audit log, receipt key") { db in
            try db.execute(sql: """
                CREATE TABLE submission (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    survey_id TEXT NOT NULL,
                    received_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    version INTEGER NOT NULL CHECK (version >= 1),
                    edit_token_hash BLOB NOT NULL UNIQUE,
                    declared_sector TEXT NOT NULL,
                    other_sector_text TEXT,
                    classified_sector TEXT NOT NULL,
                    sector_override TEXT,
                    final_sector TEXT NOT NULL GENERATED ALWAYS AS (coalesce(sector_override, classified_sector)) STORED,
                    country TEXT CHECK (country IS NULL OR length(country) = 2),
                    region TEXT,
                    publication TEXT NOT NULL CHECK (publication IN ('public_named', 'public_anonymous', 'confidential')),
                    level TEXT
                );
                CREATE INDEX submission_by_survey ON submission(survey_id, final_sector);

                -- Every version of every submission, as submitted; the highest version counts.
                CREATE TABLE submission_version (
                    submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                    version INTEGER NOT NULL,
                    received_at_ms INTEGER NOT NULL,
                    answers_json TEXT NOT NULL,
                    answers_sha256 TEXT NOT NULL CHECK (length(answers_sha256) = 64),
                    PRIMARY KEY (submission_seq, version)
                ) WITHOUT ROWID;

                -- The latest version's answers, one row per value, for aggregation in SQL.
                CREATE TABLE answer (
                    submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                    question TEXT NOT NULL,
                    item TEXT,
                    option TEXT,
                    number REAL,
                    text TEXT
                );
                CREATE INDEX answer_by_submission ON answer(submission_seq);
                CREATE INDEX answer_by_question ON answer(question, option, item);

                CREATE TABLE draft (
                    id TEXT PRIMARY KEY,
                    survey_id TEXT NOT NULL,
                    resume_token_hash BLOB NOT NULL UNIQUE,
                    answers_json TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    submitted_as TEXT REFERENCES submission(id)
                );

                -- Submissions refused because they came before the opening or after the deadline.
                CREATE TABLE refused_attempt (
                    id INTEGER PRIMARY KEY,
                    survey_id TEXT NOT NULL,
                    attempted_at_ms INTEGER NOT NULL,
                    reason TEXT NOT NULL CHECK (reason IN ('not-yet-open', 'deadline-passed'))
                );

                CREATE TABLE idempotency_key (
                    key_hash BLOB PRIMARY KEY,
                    request_sha256 BLOB NOT NULL,
                    sealed_response BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL
                ) WITHOUT ROWID;

                -- Deadlines set by organizers; without a row, the survey file's deadline holds.
                CREATE TABLE survey_deadline (
                    survey_id TEXT PRIMARY KEY,
                    closes_at_ms INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE role_token (
                    id INTEGER PRIMARY KEY,
                    role TEXT NOT NULL CHECK (role IN ('organizer', 'analyst')),
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                    token_hash BLOB NOT NULL UNIQUE,
                    created_at_ms INTEGER NOT NULL
                );

                CREATE TABLE audit_entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at_ms INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    survey_id TEXT,
                    subject TEXT,
                    old_value TEXT,
                    new_value TEXT,
                    reason TEXT
                );
                CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

                -- The server's secrets: the receipt signing key, and the key that seals idempotent replies.
                CREATE TABLE server_secret (
                    name TEXT PRIMARY KEY,
                    value BLOB NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2: browser sign-in sessions of organizers and analysts") { db in
            try db.execute(sql: """
                -- A signed-in browser: the hash of its session cookie and the role token it signed in with.
                CREATE TABLE staff_session (
                    session_hash BLOB PRIMARY KEY,
                    role_token_id INTEGER NOT NULL REFERENCES role_token(id),
                    created_at_ms INTEGER NOT NULL,
                    expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
