import GRDB

/// The campaign detector's own tables (dedup): each text's fingerprint, the to-do list of stored or
/// edited submissions, and a generation per survey that tells a running worker a rebuild happened.
/// The clusters themselves are in ``CampaignSchema``'s tables.
enum NearDuplicateSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- The fingerprint of one scope's text of a submission's latest fingerprinted version (see
            -- TextFingerprint), all of them in the detector's LSH index. `nearest_seq`: the earlier
            -- text it was found most like when placed (NULL: none reached the threshold).
            CREATE TABLE near_duplicate_print (
                submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                scope TEXT NOT NULL,
                survey_id TEXT NOT NULL,
                exact_hash INTEGER NOT NULL,
                signature BLOB NOT NULL,
                word_count INTEGER NOT NULL,
                nearest_seq INTEGER,
                PRIMARY KEY (submission_seq, scope)
            ) WITHOUT ROWID;

            -- Submissions stored or edited since the detector last fingerprinted them, with the version
            -- to fingerprint. Filled by triggers, so every way of storing (API, pages, import) is seen.
            CREATE TABLE near_duplicate_queue (
                submission_seq INTEGER PRIMARY KEY REFERENCES submission(seq),
                version INTEGER NOT NULL
            );
            CREATE TRIGGER near_duplicate_queued AFTER INSERT ON submission BEGIN
                INSERT OR REPLACE INTO near_duplicate_queue (submission_seq, version) VALUES (new.seq, new.version);
            END;
            CREATE TRIGGER near_duplicate_requeued AFTER UPDATE OF version ON submission BEGIN
                INSERT OR REPLACE INTO near_duplicate_queue (submission_seq, version) VALUES (new.seq, new.version);
            END;
            INSERT INTO near_duplicate_queue (submission_seq, version) SELECT seq, version FROM submission;

            -- Raised by every from-scratch rebuild of a survey: a worker holding an older index reloads it.
            CREATE TABLE near_duplicate_generation (
                survey_id TEXT PRIMARY KEY,
                generation INTEGER NOT NULL
            );
            """)
    }
}
