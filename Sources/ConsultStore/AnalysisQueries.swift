import ConsultCore
import Foundation
import GRDB

/// Counts of one value of a question among one sector's respondents.
public struct OptionCount: Sendable, Hashable {
    public let question: String
    public let option: String
    public let sector: String
    public let respondents: Int
}

/// How many respondents of a sector answered a question.
public struct QuestionBase: Sendable, Hashable {
    public let question: String
    public let sector: String
    public let respondents: Int
}

/// How many answers gave one number to a question (or matrix item) in a sector.
public struct NumberCount: Sendable, Hashable {
    public let question: String
    public let item: String?
    public let sector: String
    public let value: Double
    public let count: Int
}

/// n, mean and median of a number question's answers in one sector (or "all").
public struct NumberSummary: Sendable, Hashable {
    public let sector: String
    public let n: Int
    public let mean: Double?
    public let median: Double?
}

/// A count for one group of respondents.
public struct GroupCount: Sendable, Hashable {
    public let key: String?
    public let sector: String
    public let count: Int
}

/// One free-text answer for the open-text table, with what the privacy rules need.
public struct OpenTextRow: Sendable {
    public let submissionID: String
    public let question: String
    public let sector: String
    public let publication: String
    public let text: String
}

/// One submission for the raw export: its latest version whole.
public struct ResponseRow: Sendable {
    public let submissionID: String
    public let receivedAt: Date
    public let updatedAt: Date
    public let version: Int
    public let declaredSector: String
    public let otherSectorText: String?
    public let finalSector: String
    public let country: String?
    public let publication: String
    public let level: String?
    /// The latest version's answer rows, by question id.
    public let answers: [String: [StoredValue]]
}

/// One stored answer value: a chosen option (or country code), a rated item, a number or a text.
public struct StoredValue: Sendable, Hashable {
    public let item: String?
    public let option: String?
    public let number: Double?
    public let text: String?
}

/// Submissions and refused attempts on one calendar day of a survey's time zone.
public struct DailyActivity: Sendable, Hashable {
    /// The day, as `2025-11-10`.
    public let date: String
    public var submissions = 0
    /// Refused for arriving after the deadline.
    public var late = 0
    /// Refused for arriving before the opening.
    public var early = 0

    /// The quarter-hour counts of ``ConsultDatabase/activityByQuarterHour(survey:)`` per day in `zone`, oldest first.
    public static func days(
        _ activity: (submissions: [Int64: Int], refused: [String: [Int64: Int]]), in zone: TimeZone
    ) -> [DailyActivity] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func day(_ quarter: Int64) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(quarter) * 900))
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        var days: [String: DailyActivity] = [:]
        func add(_ counts: [Int64: Int], _ field: WritableKeyPath<DailyActivity, Int>) {
            for (quarter, count) in counts {
                let date = day(quarter)
                days[date, default: DailyActivity(date: date)][keyPath: field] += count
            }
        }
        add(activity.submissions, \.submissions)
        add(activity.refused["deadline-passed"] ?? [:], \.late)
        add(activity.refused["not-yet-open"] ?? [:], \.early)
        return days.keys.sorted().compactMap { days[$0] }
    }
}

/// The aggregations the analysis is built from, each one SQL query over the latest
/// versions (the `answer` rows hold only those) grouped by final sector.
extension ConsultDatabase {
    /// Respondents per final sector.
    public func respondentsBySector(survey: SurveyID) async throws -> [String: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT final_sector, count(*) AS n FROM submission WHERE survey_id = ? GROUP BY final_sector",
                arguments: [survey.rawValue])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["final_sector"], $0["n"]) })
        }
    }

    /// Respondents per country (nil: not given) and final sector.
    public func respondentsByCountry(survey: SurveyID) async throws -> [GroupCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT country, final_sector, count(*) AS n FROM submission WHERE survey_id = ?
                GROUP BY country, final_sector
                """, arguments: [survey.rawValue]).map { GroupCount(key: $0["country"], sector: $0["final_sector"], count: $0["n"]) }
        }
    }

    /// Respondents per level (nil: no level) and final sector.
    public func respondentsByLevel(survey: SurveyID) async throws -> [GroupCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT level, final_sector, count(*) AS n FROM submission WHERE survey_id = ?
                GROUP BY level, final_sector
                """, arguments: [survey.rawValue]).map { GroupCount(key: $0["level"], sector: $0["final_sector"], count: $0["n"]) }
        }
    }

    /// For every chosen option (and country code) of every question: respondents per final sector.
    /// (A respondent picks an option at most once, so rows are respondents.)
    public func optionCounts(survey: SurveyID) async throws -> [OptionCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.question, a.option, s.final_sector, count(*) AS n
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE s.survey_id = ? AND a.option IS NOT NULL
                GROUP BY a.question, a.option, s.final_sector
                """, arguments: [survey.rawValue]).map {
                OptionCount(question: $0["question"], option: $0["option"], sector: $0["final_sector"], respondents: $0["n"])
            }
        }
    }

    /// For every question: the respondents per final sector who answered it.
    public func questionBases(survey: SurveyID) async throws -> [QuestionBase] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.question, s.final_sector, count(DISTINCT a.submission_seq) AS n
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE s.survey_id = ?
                GROUP BY a.question, s.final_sector
                """, arguments: [survey.rawValue]).map {
                QuestionBase(question: $0["question"], sector: $0["final_sector"], respondents: $0["n"])
            }
        }
    }

    /// For the given scale and matrix questions (whose values are few): how often each value was given,
    /// per item and final sector.
    public func numberCounts(survey: SurveyID, questions: [QuestionID]) async throws -> [NumberCount] {
        guard !questions.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: questions.count).joined(separator: ", ")
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.question, a.item, s.final_sector, a.number, count(*) AS n
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE s.survey_id = ? AND a.question IN (\(placeholders)) AND a.number IS NOT NULL
                GROUP BY a.question, a.item, s.final_sector, a.number
                """, arguments: StatementArguments([survey.rawValue] + questions.map(\.rawValue))).map {
                NumberCount(question: $0["question"], item: $0["item"], sector: $0["final_sector"], value: $0["number"], count: $0["n"])
            }
        }
    }

    /// Submissions and refused attempts per quarter of an hour (UTC, in milliseconds since 1970 / 900,000),
    /// fine enough to place them in any time zone's days.
    public func activityByQuarterHour(survey: SurveyID) async throws -> (submissions: [Int64: Int], refused: [String: [Int64: Int]]) {
        try await pool.read { db in
            var submissions: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT received_at_ms / 900000 AS quarter, count(*) AS n FROM submission WHERE survey_id = ? GROUP BY quarter
                """, arguments: [survey.rawValue])
            {
                submissions[row["quarter"]] = row["n"]
            }
            var refused: [String: [Int64: Int]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT reason, attempted_at_ms / 900000 AS quarter, count(*) AS n FROM refused_attempt
                WHERE survey_id = ? GROUP BY reason, quarter
                """, arguments: [survey.rawValue])
            {
                refused[row["reason"], default: [:]][row["quarter"]] = row["n"]
            }
            return (submissions, refused)
        }
    }

    /// Streams the free-text values (text, e-mail, "other" text) of one question, by sector.
    /// `body` runs inside one read transaction, so the rows form a consistent snapshot. This blocks
    /// the calling thread for the whole stream: call it off Swift's cooperative threads.
    public func forEachOpenText(survey: SurveyID, question: QuestionID, _ body: (OpenTextRow) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.id, a.question, s.final_sector, s.publication, a.text
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE a.question = ? AND s.survey_id = ? AND a.text IS NOT NULL
                ORDER BY s.final_sector, s.seq
                """, arguments: [question.rawValue, survey.rawValue])
            while let row = try rows.next() {
                try body(OpenTextRow(
                    submissionID: row["id"], question: row["question"], sector: row["final_sector"],
                    publication: row["publication"], text: row["text"]))
            }
        }
    }

    /// Streams every submission's latest version, oldest first, inside one read transaction:
    /// the submissions and their answer rows are read side by side, both in storage order.
    /// Blocks the calling thread for the whole stream: call it off Swift's cooperative threads.
    public func forEachResponse(survey: SurveyID, _ body: (ResponseRow) throws -> Void) throws {
        try pool.read { db in
            let submissions = try Row.fetchCursor(db, sql: """
                SELECT seq, id, received_at_ms, updated_at_ms, version, declared_sector, other_sector_text,
                    final_sector, country, publication, level
                FROM submission WHERE survey_id = ? ORDER BY seq
                """, arguments: [survey.rawValue])
            let answers = try Row.fetchCursor(db, sql: """
                SELECT a.submission_seq, a.question, a.item, a.option, a.number, a.text
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE s.survey_id = ? ORDER BY a.submission_seq
                """, arguments: [survey.rawValue])
            var pending = try answers.next().map(Self.answerRow)
            while let row = try submissions.next() {
                let seq: Int64 = row["seq"]
                var values: [String: [StoredValue]] = [:]
                while let answer = pending, answer.seq <= seq {
                    if answer.seq == seq { values[answer.question, default: []].append(answer.value) }
                    pending = try answers.next().map(Self.answerRow)
                }
                try body(ResponseRow(
                    submissionID: row["id"], receivedAt: Date(milliseconds: row["received_at_ms"]),
                    updatedAt: Date(milliseconds: row["updated_at_ms"]), version: row["version"],
                    declaredSector: row["declared_sector"], otherSectorText: row["other_sector_text"],
                    finalSector: row["final_sector"], country: row["country"], publication: row["publication"],
                    level: row["level"], answers: values))
            }
        }
    }

    private static func answerRow(_ row: Row) -> (seq: Int64, question: String, value: StoredValue) {
        (row["submission_seq"], row["question"],
         StoredValue(item: row["item"], option: row["option"], number: row["number"], text: row["text"]))
    }

    /// n, mean and median of a number question, per final sector and for `allSectors`. The values
    /// stream in sorted order from SQLite (which spills large sorts to disk), so memory stays flat
    /// however many distinct values there are.
    public func numberSummaries(survey: SurveyID, question: QuestionID, allSectors: String) async throws -> [NumberSummary] {
        try await pool.read { db in
            let arguments: StatementArguments = [question.rawValue, survey.rawValue]
            let from = """
                FROM answer a JOIN submission s ON s.seq = a.submission_seq
                WHERE a.question = ? AND s.survey_id = ? AND a.number IS NOT NULL
                """
            var counts: [String: (n: Int, total: Double)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT s.final_sector, count(*) AS n, total(a.number) AS total \(from) GROUP BY s.final_sector",
                arguments: arguments)
            {
                counts[row["final_sector"]] = (row["n"], row["total"])
            }
            counts[allSectors] = counts.values.reduce((0, 0)) { ($0.n + $1.n, $0.total + $1.total) }

            var medians: [String: Double] = [:]
            func medianOf(_ cursor: RowCursor, sector: (Row) -> String) throws {
                var current = "", position = 0, lower: Double?
                while let row = try cursor.next() {
                    let group = sector(row)
                    if group != current { (current, position, lower) = (group, 0, nil) }
                    let n = counts[group]?.n ?? 0
                    let value: Double = row["number"]
                    if position == (n - 1) / 2 { lower = value }
                    if position == n / 2, let lower { medians[group] = (lower + value) / 2 }
                    position += 1
                }
            }
            try medianOf(
                try Row.fetchCursor(db, sql: "SELECT s.final_sector, a.number \(from) ORDER BY s.final_sector, a.number", arguments: arguments),
                sector: { $0["final_sector"] })
            try medianOf(
                try Row.fetchCursor(db, sql: "SELECT a.number \(from) ORDER BY a.number", arguments: arguments),
                sector: { _ in allSectors })
            return counts.map { sector, count in
                NumberSummary(
                    sector: sector, n: count.n, mean: count.n > 0 ? count.total / Double(count.n) : nil,
                    median: medians[sector])
            }
        }
    }

    /// How many drafts were started and not submitted.
    public func openDraftCount(survey: SurveyID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM draft WHERE survey_id = ? AND submitted_as IS NULL",
                arguments: [survey.rawValue]) ?? 0
        }
    }
}
