#!/usr/bin/env python3
"""Writes the pgbench script of the PostgreSQL limit (Scripts/benchmark-postgres.sh): one transaction storing the rows
consult stores for one submission of the shipped risk assessment — the survey's deadline lock taken shared and the
deadline in force read, the submission, its version with the answers as JSON, its 37 answer rows and its tallies by sector, in one
of their 16 shards drawn at random as consult draws it (Sources/ConsultPostgres/Migrations/0006-tally-shards.sql) — the
same rows Scripts/bench/raw_insert.c writes into SQLite (its ROWS table is read from that file, so the two limits
store the same thing). Each statement is one round trip, as consult's are; the tallies are upserted in one statement
(consult upserts them row by row), so the limit is generous.

    python3 Scripts/bench/postgres_raw.py > raw.pgbench
"""
import json
import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "raw_insert.c"
NAME = "Licence-plate recognition"
DESCRIPTION = "Cameras read number plates and match them against a list of stolen vehicles; an officer reviews every match."


def rows():
    table = SOURCE.read_text().split("ROWS[] = {", 1)[1].split("};", 1)[0]
    for question, option, number in re.findall(r'\{"(\w+)", (NULL|"\w+"), (\d+)\}', table):
        yield question, None if option == "NULL" else option.strip('"'), float(number)


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def main():
    values = list(rows())
    answers = {q: (o if o is not None else (int(n) if n == int(n) else n)) for q, o, n in values}
    answers["missing_safeguards"] = ["no_external_oversight"]
    answers["system_name"] = NAME
    answers["use_case_description"] = DESCRIPTION
    document = json.dumps(dict(sorted(answers.items())), separators=(",", ":"), ensure_ascii=False)
    answer_rows = [f"(:seq, {i}, {literal(q)}, NULL, {literal(o)}, {'NULL' if o is not None else literal(n)}, NULL)"
                   for i, (q, o, n) in enumerate(values)]
    answer_rows += [f"(:seq, {len(values)}, 'system_name', NULL, NULL, NULL, convert_to({literal(NAME)}, 'UTF8'))",
                    f"(:seq, {len(values) + 1}, 'use_case_description', NULL, NULL, NULL, convert_to({literal(DESCRIPTION)}, 'UTF8'))"]
    questions = sorted({q for q, _, _ in values} | {"system_name", "use_case_description"})
    options = sorted({(q, o) for q, o, _ in values if o is not None})
    numbers = sorted({(q, n) for q, o, n in values if o is None})
    survey = "'ai-risk-assessment'"
    print(f"""\\set ms 1762000000000 + random(0, 999999)
\\set shard random(0, 15)
BEGIN;
SELECT pg_advisory_xact_lock_shared({0x44454144}, hashtext({survey}));
SELECT closes_at_ms FROM survey_state WHERE survey_id = {survey};
INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash, declared_sector, other_sector_text, classified_sector, country, region, publication, level) VALUES (md5(random()::text || clock_timestamp()::text), {survey}, :ms, :ms, 1, sha256(convert_to(random()::text || clock_timestamp()::text, 'UTF8')), 'police', NULL, 'police', 'FR', 'Western Europe', 'confidential', 'high') RETURNING seq \\gset
INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256) VALUES (:seq, 1, :ms, {literal(document)}, '170f211b8ccda4b2ccfa999f1792c243aee5518fcce13afacfdf2ec351120128');
INSERT INTO answer_value (submission_seq, position, question, item, option, number, text) VALUES {", ".join(answer_rows)};
INSERT INTO question_tally (survey_id, question, sector, shard, respondents) VALUES {", ".join(f"({survey}, {literal(q)}, 'police', :shard, 1)" for q in questions)} ON CONFLICT (survey_id, question, sector, shard) DO UPDATE SET respondents = question_tally.respondents + 1;
INSERT INTO option_tally (survey_id, question, option, sector, shard, respondents) VALUES {", ".join(f"({survey}, {literal(q)}, {literal(o)}, 'police', :shard, 1)" for q, o in options)} ON CONFLICT (survey_id, question, option, sector, shard) DO UPDATE SET respondents = option_tally.respondents + 1;
INSERT INTO number_tally (survey_id, question, item, number, sector, shard, answers) VALUES {", ".join(f"({survey}, {literal(q)}, '', {literal(n)}, 'police', :shard, 1)" for q, n in numbers)} ON CONFLICT (survey_id, question, item, number, sector, shard) DO UPDATE SET answers = number_tally.answers + 1;
COMMIT;""")


if __name__ == "__main__":
    main()
