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
        migrator.registerMigration("v3: compact answer values, tallies kept at ingest, versions without overflow pages") { db in
            try db.execute(sql: """
                -- Question, item, option and country ids, each stored once; answer values refer to them by number.
                CREATE TABLE answer_code (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE
                );

                -- The latest version's answers, one row per value, clustered by submission: the raw
                -- export reads them in order beside the submissions, an edit replaces them in place.
                -- Derived from submission_version (the record), so no foreign keys slow their insert.
                CREATE TABLE answer_value (
                    submission_seq INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    question INTEGER NOT NULL,
                    item INTEGER,
                    option INTEGER,
                    number REAL,
                    text TEXT,
                    PRIMARY KEY (submission_seq, position)
                ) WITHOUT ROWID;
                -- Open texts by question, for the open-text table.
                CREATE INDEX answer_value_text ON answer_value(question, submission_seq) WHERE text IS NOT NULL;

                -- Counts over the latest versions by final sector, kept up to date in the transaction
                -- that stores, edits or reassigns a submission: the analysis reads these, not the values.
                -- Respondents who answered a question.
                CREATE TABLE question_tally (
                    survey_id TEXT NOT NULL,
                    question TEXT NOT NULL,
                    sector TEXT NOT NULL,
                    respondents INTEGER NOT NULL CHECK (respondents >= 0),
                    PRIMARY KEY (survey_id, question, sector)
                ) WITHOUT ROWID;
                -- Respondents who chose an option (or gave a country).
                CREATE TABLE option_tally (
                    survey_id TEXT NOT NULL,
                    question TEXT NOT NULL,
                    option TEXT NOT NULL,
                    sector TEXT NOT NULL,
                    respondents INTEGER NOT NULL CHECK (respondents >= 0),
                    PRIMARY KEY (survey_id, question, option, sector)
                ) WITHOUT ROWID;
                -- Answers that gave a number to a question ('' item) or a matrix item.
                CREATE TABLE number_tally (
                    survey_id TEXT NOT NULL,
                    question TEXT NOT NULL,
                    item TEXT NOT NULL,
                    number REAL NOT NULL,
                    sector TEXT NOT NULL,
                    answers INTEGER NOT NULL CHECK (answers >= 0),
                    PRIMARY KEY (survey_id, question, item, number, sector)
                ) WITHOUT ROWID;

                INSERT OR IGNORE INTO answer_code (code)
                    SELECT question FROM answer UNION SELECT item FROM answer WHERE item IS NOT NULL
                    UNION SELECT option FROM answer WHERE option IS NOT NULL;
                INSERT INTO answer_value (submission_seq, position, question, item, option, number, text)
                    SELECT a.submission_seq, row_number() OVER (PARTITION BY a.submission_seq ORDER BY a.rowid) - 1,
                        q.id, i.id, o.id, a.number, a.text
                    FROM answer a JOIN answer_code q ON q.code = a.question
                    LEFT JOIN answer_code i ON i.code = a.item LEFT JOIN answer_code o ON o.code = a.option;
                INSERT INTO question_tally (survey_id, question, sector, respondents)
                    SELECT s.survey_id, a.question, s.final_sector, count(DISTINCT a.submission_seq)
                    FROM answer a JOIN submission s ON s.seq = a.submission_seq GROUP BY 1, 2, 3;
                INSERT INTO option_tally (survey_id, question, option, sector, respondents)
                    SELECT s.survey_id, a.question, a.option, s.final_sector, count(*)
                    FROM answer a JOIN submission s ON s.seq = a.submission_seq WHERE a.option IS NOT NULL GROUP BY 1, 2, 3, 4;
                INSERT INTO number_tally (survey_id, question, item, number, sector, answers)
                    SELECT s.survey_id, a.question, coalesce(a.item, ''), a.number, s.final_sector, count(*)
                    FROM answer a JOIN submission s ON s.seq = a.submission_seq WHERE a.number IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
                DROP TABLE answer;

                -- The respondents' facts the analysis counts, read from the index alone.
                DROP INDEX submission_by_survey;
                CREATE INDEX submission_facts ON submission(survey_id, final_sector, country, level, received_at_ms);

                -- A rowid table keeps a 1–2 KB answers_json on its own page; WITHOUT ROWID spilled it to overflow pages.
                CREATE TABLE submission_version_v3 (
                    submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                    version INTEGER NOT NULL,
                    received_at_ms INTEGER NOT NULL,
                    answers_json TEXT NOT NULL,
                    answers_sha256 TEXT NOT NULL CHECK (length(answers_sha256) = 64),
                    UNIQUE (submission_seq, version)
                );
                INSERT INTO submission_version_v3 (submission_seq, version, received_at_ms, answers_json, answers_sha256)
                    SELECT submission_seq, version, received_at_ms, answers_json, answers_sha256 FROM submission_version
                    ORDER BY submission_seq, version;
                DROP TABLE submission_version;
                ALTER TABLE submission_version_v3 RENAME TO submission_version;
                """)
        }
        migrator.registerMigration("v4-exact-answer-text: texts cut at U+0000 restored from the versions' answers") { db in
            try CutTextRepair.run(db)
        }
        migrator.registerMigration("v5-role-token-lifecycle") { db in
            try db.execute(sql: """
                -- The public name of a token, for listing and revoking it: a prefix of its hash, never the token.
                ALTER TABLE role_token ADD COLUMN public_id TEXT
                    GENERATED ALWAYS AS ('tk-' || lower(hex(substr(token_hash, 1, 5)))) VIRTUAL;
                CREATE UNIQUE INDEX role_token_by_public_id ON role_token(public_id);
                -- Without an expiry a token holds until it is revoked.
                ALTER TABLE role_token ADD COLUMN expires_at_ms INTEGER
                    CHECK (expires_at_ms IS NULL OR expires_at_ms > created_at_ms);
                ALTER TABLE role_token ADD COLUMN revoked_at_ms INTEGER;
                -- Updated at most once a minute, so using a token costs no write per request.
                ALTER TABLE role_token ADD COLUMN last_used_at_ms INTEGER;
                """)
        }
        migrator.registerMigration("v6-draft-limits: drafts counted per client address, expired by age") { db in
            try db.execute(sql: """
                -- A hash of the address that started the draft, only to count its open drafts.
                ALTER TABLE draft ADD COLUMN client_hash BLOB;
                CREATE INDEX draft_open_by_client ON draft(client_hash, updated_at_ms) WHERE submitted_as IS NULL;
                CREATE INDEX draft_open_by_survey ON draft(survey_id, updated_at_ms) WHERE submitted_as IS NULL;
                CREATE INDEX draft_by_age ON draft(updated_at_ms);
                """)
        }
        migrator.registerMigration("v7-reading-room: open texts indexed for search, themes and codings") { db in
            try ReadingRoomSchema.create(db)
        }
        // Reading room (themes): find a submission from its pseudonymous respondent id.
        migrator.registerMigration("v8-respondent-pseudonyms") { db in
            try SQLiteRespondentDirectory.migrate(db)
        }
        // Campaigns: clusters of look-alike submissions and their review.
        migrator.registerMigration("v9-campaign-clusters") { db in
            try CampaignSchema.create(db)
        }
        // Position papers: attached files and their extracted text.
        migrator.registerMigration("v10-attachments") { db in
            try AttachmentSchema.create(db)
        }
        // Campaigns (dedup): the near-duplicate detector's fingerprints and to-do list.
        migrator.registerMigration("v11-near-duplicate-index") { db in
            try NearDuplicateSchema.create(db)
        }
        // lang (issue 15): the language of every free text, backfilled with CLD2.
        migrator.registerMigration("v12-text-language") { db in
            try TextLanguageColumns.migrate(db)
        }
        // campaigns: the keyed client-address hash of each submission, for the ballot-stuffing signals.
        migrator.registerMigration("v13-campaign-signals") { db in
            try SQLiteCampaignSignalStore.migrate(db)
        }
        // Position papers (extract): attachments' extracted text indexed for the reading room's search.
        migrator.registerMigration("v15-attachment-search") { db in
            try AttachmentSearchSchema.create(db)
        }
        return migrator
    }
}
