-- The numbers the export streams give question, item, option and country ids (their `AnswerCodes`), as
-- SQLite's `answer_code` does. Answer values keep their ids as text here; a survey's every possible id
-- is registered (committed) before the first of its submissions is stored, so each stored id has a number.
CREATE TABLE answer_code (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE
);
