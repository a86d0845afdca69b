-- consult on PostgreSQL (issue 18): campaigns. The detector's queue and fingerprints, the clusters of
-- look-alike submissions and their review. Same tables and rules as the SQLite store's CampaignSchema and
-- NearDuplicateSchema; the client-address key the signals read is `submission.client_key` (0001).
--
-- The detector's rows name submissions by `seq` without a foreign key to `submission` (which never loses a
-- row): a foreign-key check locks the submission row FOR KEY SHARE until the detector's transaction ends,
-- and an edit (SELECT … FOR UPDATE on that row) would then wait for a whole rebuild of the survey.

-- A group of look-alike submissions of one survey. `scope` '' clusters the submissions' free texts taken
-- together; a question id clusters that question's texts. The detector never changes `review`, nor moves
-- a member an analyst placed. `reviewed_at_ms`/`reviewed_by`: the last review (the audit log keeps each).
CREATE TABLE campaign_cluster (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id text NOT NULL,
    scope text NOT NULL DEFAULT '',
    -- The member whose text stands for the cluster.
    representative_seq bigint,
    review text NOT NULL DEFAULT 'unreviewed' CHECK (review IN ('unreviewed', 'confirmed', 'dismissed')),
    reviewed_at_ms bigint,
    reviewed_by bigint REFERENCES role_token (id),
    created_at_ms bigint NOT NULL
);
CREATE INDEX campaign_cluster_by_survey ON campaign_cluster (survey_id, scope);

-- The cluster of each submission, at most one per scope; a submission with no look-alike has no row.
-- `placed_by` is set when an analyst moved the member or split it off (or, with `cluster_id` NULL, took
-- it out of every cluster): the detector then leaves it there.
CREATE TABLE campaign_member (
    submission_seq bigint NOT NULL,
    scope text NOT NULL DEFAULT '',
    cluster_id bigint REFERENCES campaign_cluster (id),
    -- Estimated similarity (Jaccard, 0...1) to the text it was found most like when it joined.
    similarity double precision NOT NULL CHECK (similarity BETWEEN 0 AND 1),
    joined_at_ms bigint NOT NULL,
    placed_by bigint REFERENCES role_token (id),
    CHECK (cluster_id IS NOT NULL OR placed_by IS NOT NULL),
    PRIMARY KEY (submission_seq, scope)
);
CREATE INDEX campaign_member_by_cluster ON campaign_member (cluster_id);

-- The fingerprint of one scope's text of a submission's latest fingerprinted version (TextFingerprint):
-- the exact hash, the MinHash signature (64 little-endian 32-bit values) and the word count.
-- `nearest_seq`: the earlier text it was found most like when placed (NULL: none reached the threshold).
-- The LSH bands are not stored: each node builds them in memory from these rows (NearDuplicateIndex),
-- the same index the SQLite detector uses, so both engines find the same look-alikes.
CREATE TABLE near_duplicate_print (
    submission_seq bigint NOT NULL,
    scope text NOT NULL,
    survey_id text NOT NULL,
    exact_hash bigint NOT NULL,
    signature bytea NOT NULL CHECK (length(signature) = 256),
    word_count bigint NOT NULL,
    nearest_seq bigint,
    PRIMARY KEY (submission_seq, scope)
);
CREATE INDEX near_duplicate_print_by_survey ON near_duplicate_print (survey_id, submission_seq);

-- Submissions stored or edited since the detector last fingerprinted them, with the version to
-- fingerprint; written in the storing transaction (PostgresSubmissions), so every way of storing is seen.
CREATE TABLE near_duplicate_queue (
    submission_seq bigint PRIMARY KEY REFERENCES submission (seq),
    version bigint NOT NULL
);
INSERT INTO near_duplicate_queue (submission_seq, version) SELECT seq, version FROM submission;

-- Per survey: `generation` is raised by every from-scratch rebuild (every node reloads its index);
-- `revision` by every transaction that changes the survey's prints, whose changed (submission, scope)
-- pairs go to near_duplicate_change, so a node whose index is a few revisions behind (another node
-- placed submissions) applies those alone. Changes up to `pruned_through` may have been deleted: a node
-- further behind reloads. Both are changed only under the survey's advisory lock (PostgresCampaignDetector).
CREATE TABLE near_duplicate_state (
    survey_id text PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0,
    revision bigint NOT NULL DEFAULT 0,
    pruned_through bigint NOT NULL DEFAULT 0
);
CREATE TABLE near_duplicate_change (
    survey_id text NOT NULL,
    revision bigint NOT NULL,
    submission_seq bigint NOT NULL,
    scope text NOT NULL,
    PRIMARY KEY (survey_id, revision, submission_seq, scope)
);
