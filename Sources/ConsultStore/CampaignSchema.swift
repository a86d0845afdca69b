import GRDB

/// The campaign detector's clusters of look-alike submissions and the analysts' review of them.
///
/// The detector's own index (fingerprints, LSH buckets) lives in its own tables; these two are what
/// the review pages, the exports and the analysis read.
enum CampaignSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- A group of look-alike submissions of one survey. `scope` '' clusters the submissions' free
            -- texts taken together; a question id clusters that question's texts. A cluster with at
            -- least the survey's minimum campaign size of members is a campaign. The detector never
            -- changes `review`, nor moves a member an analyst placed.
            CREATE TABLE campaign_cluster (
                id INTEGER PRIMARY KEY,
                survey_id TEXT NOT NULL,
                scope TEXT NOT NULL DEFAULT '',
                -- The member whose text stands for the cluster.
                representative_seq INTEGER REFERENCES submission(seq),
                review TEXT NOT NULL DEFAULT 'unreviewed' CHECK (review IN ('unreviewed', 'confirmed', 'dismissed')),
                reviewed_at_ms INTEGER,
                reviewed_by INTEGER REFERENCES role_token(id),
                created_at_ms INTEGER NOT NULL
            );
            CREATE INDEX campaign_cluster_by_survey ON campaign_cluster(survey_id, scope);

            -- The cluster of each submission, at most one per scope; a submission with no look-alike
            -- has no row. `placed_by` is set when an analyst moved the member or split it off (or, with
            -- `cluster_id` NULL, took it out of every cluster): the detector then leaves it there.
            CREATE TABLE campaign_member (
                submission_seq INTEGER NOT NULL REFERENCES submission(seq),
                scope TEXT NOT NULL DEFAULT '',
                cluster_id INTEGER REFERENCES campaign_cluster(id),
                -- Estimated similarity (Jaccard, 0...1) to the representative's text when it joined.
                similarity REAL NOT NULL CHECK (similarity BETWEEN 0 AND 1),
                joined_at_ms INTEGER NOT NULL,
                placed_by INTEGER REFERENCES role_token(id),
                CHECK (cluster_id IS NOT NULL OR placed_by IS NOT NULL),
                PRIMARY KEY (submission_seq, scope)
            ) WITHOUT ROWID;
            CREATE INDEX campaign_member_by_cluster ON campaign_member(cluster_id);
            """)
    }
}
