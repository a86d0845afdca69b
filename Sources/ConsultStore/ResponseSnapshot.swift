import ConsultCore
import GRDB

/// One survey's submissions as they stand at one moment: every read through it sees the same
/// rows, however many times it streams them. Exports that must measure their rows before they
/// write them (SPSS and Stata files declare their row count and string widths up front) read both
/// passes from one snapshot, so a submission arriving or edited in between changes neither.
public struct SQLiteResponseSnapshot: ResponseSnapshot {
    let db: Database
    public let survey: SurveyID

    /// How many submissions the survey has in this snapshot.
    public func count() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM submission WHERE survey_id = ?", arguments: [survey.rawValue]) ?? 0
    }

    /// Streams every submission's latest version, oldest first (see ``ConsultDatabase/forEachResponse(survey:codes:_:)``).
    public func forEachResponse(codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void) throws {
        try ConsultDatabase.forEachResponse(in: db, survey: survey, codes: codes, body)
    }
}

extension ConsultDatabase {
    /// Runs `body` inside one read transaction on `survey`'s responses. Blocks the calling thread
    /// for as long as `body` runs: call it off Swift's cooperative threads.
    public func withResponseSnapshot<T>(survey: SurveyID, _ body: (any ResponseSnapshot) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteResponseSnapshot(db: db, survey: survey)) }
    }
}
