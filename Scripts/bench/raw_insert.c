/*
 * The machine's limit for storing submissions: the rows consult writes for one submission
 * of the shipped risk assessment (a submission row, its version with the answers as JSON,
 * 35 compact answer rows, and the tallies by sector, summed per transaction as the server's
 * group commit does), inserted with prepared statements into a consult database, in WAL
 * mode with synchronous=FULL like the server, N submissions per transaction.
 *
 * Build: cc -O2 -o raw_insert raw_insert.c -lsqlite3
 * Usage: raw_insert DATABASE COUNT PER_TRANSACTION   (DATABASE already migrated by consult)
 * Prints: "<count> submissions in <seconds> s: <rate>/s (<per transaction> per transaction)".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "raw_insert: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The answer rows of the example submission: question, option, number (option NULL when numeric). */
static const struct { const char *question; const char *option; double number; } ROWS[] = {
    {"accountability_impact", NULL, 3}, {"accountability_likelihood", NULL, 1}, {"accuracy_impact", NULL, 2},
    {"accuracy_likelihood", NULL, 2}, {"agency_type", "police", 0}, {"audit_logging", "full", 0},
    {"bias_testing", "internal", 0}, {"contest_procedure", "partial", 0}, {"core_functions", "yes", 0},
    {"country", "FR", 0}, {"discrimination_impact", NULL, 3}, {"discrimination_likelihood", NULL, 2},
    {"human_oversight_impact", NULL, 3}, {"human_oversight_likelihood", NULL, 2}, {"human_review", "always", 0},
    {"impact_assessment", "in_progress", 0}, {"lawful_basis_impact", NULL, 3}, {"lawful_basis_likelihood", NULL, 2},
    {"lifecycle_stage", "testing", 0}, {"missing_safeguards", "no_external_oversight", 0},
    {"other_rights_effects", "no", 0}, {"people_affected", NULL, 2000000}, {"privacy_impact", NULL, 3},
    {"privacy_likelihood", NULL, 4}, {"proportionality_impact", NULL, 3}, {"proportionality_likelihood", NULL, 3},
    {"publication", "confidential", 0}, {"redress_impact", NULL, 2}, {"redress_likelihood", NULL, 2},
    {"safety_impact", NULL, 2}, {"safety_likelihood", NULL, 1}, {"traceability_impact", NULL, 2},
    {"traceability_likelihood", NULL, 2},
};

#define VALUES (sizeof ROWS / sizeof ROWS[0] + 2)

/* The question of answer row r (the last two are the texts). */
static const char *question_of(size_t r) {
    return r < VALUES - 2 ? ROWS[r].question : r == VALUES - 2 ? "system_name" : "use_case_description";
}

/* The code answer_code gives `code`, added if missing. */
static sqlite3_int64 code_of(sqlite3 *db, const char *code) {
    sqlite3_stmt *insert, *select;
    check(sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO answer_code (code) VALUES (?)", -1, &insert, 0), db, "prepare code");
    sqlite3_bind_text(insert, 1, code, -1, SQLITE_STATIC);
    check(sqlite3_step(insert), db, "insert code");
    sqlite3_finalize(insert);
    check(sqlite3_prepare_v2(db, "SELECT id FROM answer_code WHERE code = ?", -1, &select, 0), db, "prepare code lookup");
    sqlite3_bind_text(select, 1, code, -1, SQLITE_STATIC);
    check(sqlite3_step(select), db, "look up code");
    sqlite3_int64 id = sqlite3_column_int64(select, 0);
    sqlite3_finalize(select);
    return id;
}

/* Adds `n` submissions like the example to the tallies of sector "police": one row per question,
 * per chosen option and per number, as the server does once per transaction. */
static void add_tallies(sqlite3 *db, sqlite3_stmt *question, sqlite3_stmt *option, sqlite3_stmt *number, int n) {
    for (size_t r = 0; r < VALUES; r++) {
        sqlite3_bind_text(question, 1, question_of(r), -1, SQLITE_STATIC);
        sqlite3_bind_int(question, 2, n);
        check(sqlite3_step(question), db, "tally question");
        sqlite3_reset(question);
        if (r >= VALUES - 2) continue;
        sqlite3_stmt *tally = ROWS[r].option ? option : number;
        sqlite3_bind_text(tally, 1, ROWS[r].question, -1, SQLITE_STATIC);
        if (ROWS[r].option) sqlite3_bind_text(tally, 2, ROWS[r].option, -1, SQLITE_STATIC);
        else sqlite3_bind_double(tally, 2, ROWS[r].number);
        sqlite3_bind_int(tally, 3, n);
        check(sqlite3_step(tally), db, "tally value");
        sqlite3_reset(tally);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: raw_insert DATABASE COUNT PER_TRANSACTION\n");
        return 2;
    }
    int count = atoi(argv[2]), batch = atoi(argv[3]);
    sqlite3 *db;
    check(sqlite3_open(argv[1], &db), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", 0, 0, 0), db, "pragmas");
    sqlite3_int64 question_codes[VALUES], option_codes[VALUES];
    for (size_t r = 0; r < VALUES; r++) {
        question_codes[r] = code_of(db, question_of(r));
        option_codes[r] = r < VALUES - 2 && ROWS[r].option ? code_of(db, ROWS[r].option) : 0;
    }
    sqlite3_stmt *submission, *version, *answer, *tally_question, *tally_option, *tally_number;
    check(sqlite3_prepare_v2(db,
        "INSERT INTO submission (id, survey_id, received_at_ms, updated_at_ms, version, edit_token_hash, declared_sector,"
        " other_sector_text, classified_sector, country, region, publication, level)"
        " VALUES (?, 'ai-risk-assessment', ?, ?, 1, ?, 'police', NULL, 'police', 'FR', 'Western Europe', 'confidential', 'high')",
        -1, &submission, 0), db, "prepare submission");
    check(sqlite3_prepare_v2(db,
        "INSERT INTO submission_version (submission_seq, version, received_at_ms, answers_json, answers_sha256)"
        " VALUES (?, 1, ?, ?, ?)", -1, &version, 0), db, "prepare version");
    check(sqlite3_prepare_v2(db,
        "INSERT INTO answer_value (submission_seq, position, question, item, option, number, text) VALUES (?, ?, ?, NULL, ?, ?, ?)",
        -1, &answer, 0), db, "prepare answer");
    check(sqlite3_prepare_v2(db,
        "INSERT INTO question_tally (survey_id, question, sector, respondents) VALUES ('ai-risk-assessment', ?, 'police', ?)"
        " ON CONFLICT DO UPDATE SET respondents = respondents + excluded.respondents", -1, &tally_question, 0), db, "prepare tally");
    check(sqlite3_prepare_v2(db,
        "INSERT INTO option_tally (survey_id, question, option, sector, respondents) VALUES ('ai-risk-assessment', ?, ?, 'police', ?)"
        " ON CONFLICT DO UPDATE SET respondents = respondents + excluded.respondents", -1, &tally_option, 0), db, "prepare tally");
    check(sqlite3_prepare_v2(db,
        "INSERT INTO number_tally (survey_id, question, item, number, sector, answers) VALUES ('ai-risk-assessment', ?, '', ?, 'police', ?)"
        " ON CONFLICT DO UPDATE SET answers = answers + excluded.answers", -1, &tally_number, 0), db, "prepare tally");

    char json[1200], id[33], name[64];
    unsigned char token[32];
    const char *hash = "170f211b8ccda4b2ccfa999f1792c243aee5518fcce13afacfdf2ec351120128";
    struct timespec seed;
    clock_gettime(CLOCK_REALTIME, &seed);
    srand((unsigned)seed.tv_nsec ^ (unsigned)seed.tv_sec ^ ((unsigned)getpid() << 16));
    double started = now();
    for (int i = 0; i < count; i++) {
        if (i % batch == 0) check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
        for (int k = 0; k < 16; k++) sprintf(id + 2 * k, "%02x", rand() & 0xff);
        for (int k = 0; k < 32; k++) token[k] = rand() & 0xff;
        snprintf(name, sizeof name, "Licence-plate recognition %d", i);
        snprintf(json, sizeof json,
            "{\"accountability_impact\":3,\"accountability_likelihood\":1,\"accuracy_impact\":2,\"accuracy_likelihood\":2,"
            "\"agency_type\":\"police\",\"audit_logging\":\"full\",\"bias_testing\":\"internal\",\"contest_procedure\":\"partial\","
            "\"core_functions\":\"yes\",\"country\":\"FR\",\"discrimination_impact\":3,\"discrimination_likelihood\":2,"
            "\"human_oversight_impact\":3,\"human_oversight_likelihood\":2,\"human_review\":\"always\",\"impact_assessment\":"
            "\"in_progress\",\"lawful_basis_impact\":3,\"lawful_basis_likelihood\":2,\"lifecycle_stage\":\"testing\","
            "\"missing_safeguards\":[\"no_external_oversight\"],\"other_rights_effects\":\"no\",\"people_affected\":2000000,"
            "\"privacy_impact\":3,\"privacy_likelihood\":4,\"proportionality_impact\":3,\"proportionality_likelihood\":3,"
            "\"publication\":\"confidential\",\"redress_impact\":2,\"redress_likelihood\":2,\"safety_impact\":2,"
            "\"safety_likelihood\":1,\"system_name\":\"%s\",\"traceability_impact\":2,\"traceability_likelihood\":2,"
            "\"use_case_description\":\"Cameras read number plates and match them against a list of stolen vehicles; an "
            "officer reviews every match.\"}", name);
        sqlite3_int64 ms = (sqlite3_int64)(time(NULL)) * 1000 + i % 1000;
        sqlite3_bind_text(submission, 1, id, 32, SQLITE_STATIC);
        sqlite3_bind_int64(submission, 2, ms);
        sqlite3_bind_int64(submission, 3, ms);
        sqlite3_bind_blob(submission, 4, token, 32, SQLITE_STATIC);
        check(sqlite3_step(submission), db, "insert submission");
        sqlite3_reset(submission);
        sqlite3_int64 seq = sqlite3_last_insert_rowid(db);
        sqlite3_bind_int64(version, 1, seq);
        sqlite3_bind_int64(version, 2, ms);
        sqlite3_bind_text(version, 3, json, -1, SQLITE_STATIC);
        sqlite3_bind_text(version, 4, hash, 64, SQLITE_STATIC);
        check(sqlite3_step(version), db, "insert version");
        sqlite3_reset(version);
        for (size_t r = 0; r < VALUES; r++) {
            sqlite3_bind_int64(answer, 1, seq);
            sqlite3_bind_int64(answer, 2, (sqlite3_int64)r);
            sqlite3_bind_int64(answer, 3, question_codes[r]);
            if (r < VALUES - 2 && ROWS[r].option) sqlite3_bind_int64(answer, 4, option_codes[r]);
            else sqlite3_bind_null(answer, 4);
            if (r < VALUES - 2 && !ROWS[r].option) sqlite3_bind_double(answer, 5, ROWS[r].number);
            else sqlite3_bind_null(answer, 5);
            if (r < VALUES - 2) sqlite3_bind_null(answer, 6);
            else sqlite3_bind_text(answer, 6, r == VALUES - 2 ? name :
                "Cameras read number plates and match them against a list of stolen vehicles; an officer reviews every match.",
                -1, SQLITE_STATIC);
            check(sqlite3_step(answer), db, "insert answer");
            sqlite3_reset(answer);
        }
        if (i % batch == batch - 1 || i == count - 1) {
            add_tallies(db, tally_question, tally_option, tally_number, i % batch + 1);
            check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
        }
    }
    double seconds = now() - started;
    printf("%d submissions in %.2f s: %.0f/s (%d per transaction)\n", count, seconds, count / seconds, batch);
    sqlite3_finalize(submission);
    sqlite3_finalize(version);
    sqlite3_finalize(answer);
    sqlite3_finalize(tally_question);
    sqlite3_finalize(tally_option);
    sqlite3_finalize(tally_number);
    sqlite3_close(db);
    return 0;
}
