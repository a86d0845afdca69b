-- Each tally spread over shards: a storing transaction adds its counts to the rows of one shard, chosen at random,
-- so concurrent submissions to one survey no longer wait for each other's commit on the same rows (a row lock is
-- held until COMMIT, and every submission of a sector touches the same tally rows: with one row per count they
-- were stored one commit after the other). A count is the sum over its shards; a shard's part may be negative
-- after edits (an edit subtracts from the shard it draws), the sum never is. Still in the storing transaction,
-- still exact.
ALTER TABLE question_tally ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE question_tally DROP CONSTRAINT question_tally_pkey;
ALTER TABLE question_tally ADD PRIMARY KEY (survey_id, question, sector, shard);
ALTER TABLE question_tally DROP CONSTRAINT question_tally_respondents_check;

ALTER TABLE option_tally ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE option_tally DROP CONSTRAINT option_tally_pkey;
ALTER TABLE option_tally ADD PRIMARY KEY (survey_id, question, option, sector, shard);
ALTER TABLE option_tally DROP CONSTRAINT option_tally_respondents_check;

ALTER TABLE number_tally ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE number_tally DROP CONSTRAINT number_tally_pkey;
ALTER TABLE number_tally ADD PRIMARY KEY (survey_id, question, item, number, sector, shard);
ALTER TABLE number_tally DROP CONSTRAINT number_tally_answers_check;
