import ConsultCore
import Foundation
import GRDB
import GRDBSQLite

/// Counts of one value of a question among one sector's respondents.
public struct OptionCount: Sendable, Hashable {
    package init(question: String, option: String, sector: String, respondents: Int) {
        self.question = question
        self.option = option
        self.sector = sector
        self.respondents = respondents
    }

    public let question: String
    public let option: String
    public let sector: String
    public let respondents: Int
}

/// How many respondents of a sector answered a question.
public struct QuestionBase: Sendable, Hashable {
    package init(question: String, sector: String, respondents: Int) {
        self.question = question
        self.sector = sector
        self.respondents = respondents
    }

    public let question: String
    public let sector: String
    public let respondents: Int
}

/// How many answers gave one number to a question (or matrix item) in a sector.
public struct NumberCount: Sendable, Hashable {
    package init(question: String, item: String?, sector: String, value: Double, count: Int) {
        self.question = question
        self.item = item
        self.sector = sector
        self.value = value
        self.count = count
    }

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
    package init(key: String?, sector: String, count: Int) {
        self.key = key
        self.sector = sector
        self.count = count
    }

    public let key: String?
    public let sector: String
    public let count: Int
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
    public let publication: PublicationChoice
    public let level: String?
    /// The latest version's answer values, a question's values next to each other, ids as ``AnswerCodes``.
    public let values: [CodedValue]
    /// campaigns: the cluster of its free texts together, if it has look-alikes.
    public let cluster: Int64?

    package init(
        submissionID: String, receivedAt: Date, updatedAt: Date, version: Int, declaredSector: String, otherSectorText: String?,
        finalSector: String, country: String?, publication: PublicationChoice, level: String?, values: [CodedValue], cluster: Int64?
    ) {
        self.submissionID = submissionID
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.version = version
        self.declaredSector = declaredSector
        self.otherSectorText = otherSectorText
        self.finalSector = finalSector
        self.country = country
        self.publication = publication
        self.level = level
        self.values = values
        self.cluster = cluster
    }
}

/// One stored answer value: a chosen option (or country code), a rated item, a number or a text,
/// with its question, item and option ids as codes.
public struct CodedValue: Sendable, Hashable {
    public let question: Int64
    public let item: Int64?
    public let option: Int64?
    public let number: Double?
    public let text: String?

    package init(question: Int64, item: Int64?, option: Int64?, number: Double?, text: String?) {
        self.question = question
        self.item = item
        self.option = option
        self.number = number
        self.text = text
    }
}

/// The ids (of questions, items, options, countries) behind the codes of ``CodedValue``s.
public struct AnswerCodes: Sendable {
    public let ids: [Int64: String]

    public init(ids: [Int64: String]) {
        self.ids = ids
    }
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

/// The aggregations the analysis is built from, over the latest versions by final sector:
/// respondents' facts from `submission`, answer counts from the tallies kept at ingest.
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
    public func optionCounts(survey: SurveyID) async throws -> [OptionCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT question, option, sector, respondents FROM option_tally WHERE survey_id = ? AND respondents > 0
                """, arguments: [survey.rawValue]).map {
                OptionCount(question: $0[0], option: $0[1], sector: $0[2], respondents: $0[3])
            }
        }
    }

    /// For every question: the respondents per final sector who answered it.
    public func questionBases(survey: SurveyID) async throws -> [QuestionBase] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT question, sector, respondents FROM question_tally WHERE survey_id = ? AND respondents > 0
                """, arguments: [survey.rawValue]).map {
                QuestionBase(question: $0[0], sector: $0[1], respondents: $0[2])
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
                SELECT question, item, sector, number, answers FROM number_tally
                WHERE survey_id = ? AND question IN (\(placeholders)) AND answers > 0
                """, arguments: StatementArguments([survey.rawValue] + questions.map(\.rawValue))).map {
                let item: String = $0[1]
                return NumberCount(question: $0[0], item: item.isEmpty ? nil : item, sector: $0[2], value: $0[3], count: $0[4])
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

    /// Streams every submission's latest version, oldest first, inside one read transaction:
    /// the submissions and their answer values are read side by side, both in storage order.
    /// `codes` gets the ids behind the values' codes first. Blocks the calling thread for the
    /// whole stream: call it off Swift's cooperative threads.
    public func forEachResponse(
        survey: SurveyID, codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void
    ) throws {
        try pool.read { db in try Self.forEachResponse(in: db, survey: survey, codes: codes, body) }
    }

    /// ``forEachResponse(survey:codes:_:)`` inside a read transaction that is already open.
    static func forEachResponse(
        in db: Database, survey: SurveyID, codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void
    ) throws {
        do {
            try codes(AnswerCodes(ids: try Self.loadCodeBook(db).codes))
            let submissionStatement = try db.makeStatement(sql: """
                SELECT seq, id, received_at_ms, updated_at_ms, version, declared_sector, \(ExactText.select("other_sector_text")),
                    final_sector, country, publication, level,
                    (SELECT m.cluster_id FROM campaign_member m WHERE m.submission_seq = submission.seq AND m.scope = '')
                FROM submission WHERE survey_id = ? ORDER BY seq
                """)
            submissionStatement.arguments = [survey.rawValue]
            // The survey's answer values lie between its first and last submission (other surveys' are skipped below).
            let answerStatement = try db.makeStatement(sql: """
                SELECT submission_seq, question, item, option, number, \(ExactText.select("text")) FROM answer_value
                WHERE submission_seq BETWEEN (SELECT min(seq) FROM submission WHERE survey_id = ?1)
                    AND (SELECT max(seq) FROM submission WHERE survey_id = ?1)
                ORDER BY submission_seq, position
                """)
            answerStatement.arguments = [survey.rawValue]
            // issue 19 (exports): the millions of values are read with SQLite's column functions, not
            // through GRDB's rows, whose per-column conversions were a large part of the export's time.
            let submissions = try Row.fetchCursor(submissionStatement), answers = try Row.fetchCursor(answerStatement)
            let answer = answerStatement.sqliteStatement
            var pendingSeq: Int64? = try answers.next() == nil ? nil : sqlite3_column_int64(answer, 0)
            var values: [CodedValue] = []
            while let row = try submissions.next() {
                let seq: Int64 = row[0]
                values.removeAll(keepingCapacity: true)
                while let answerSeq = pendingSeq, answerSeq <= seq {
                    if answerSeq == seq {
                        values.append(CodedValue(
                            question: sqlite3_column_int64(answer, 1), item: ColumnValue.int64(answer, 2),
                            option: ColumnValue.int64(answer, 3), number: ColumnValue.double(answer, 4),
                            text: ColumnValue.text(answer, 5)))
                    }
                    pendingSeq = try answers.next() == nil ? nil : sqlite3_column_int64(answer, 0)
                }
                try body(ResponseRow(
                    submissionID: row[1], receivedAt: Date(milliseconds: row[2]), updatedAt: Date(milliseconds: row[3]),
                    version: row[4], declaredSector: row[5], otherSectorText: ExactText.decode(row[6]), finalSector: row[7],
                    country: row[8], publication: PublicationChoice(stored: row[9]), level: row[10], values: values,
                    cluster: row[11]))
            }
        }
    }

    /// n, mean and median of a number question, per final sector and for `allSectors`, from the
    /// counts of each distinct value (read in order, so memory stays flat however many there are).
    public func numberSummaries(survey: SurveyID, question: QuestionID, allSectors: String) async throws -> [NumberSummary] {
        try await pool.read { db in
            let arguments: StatementArguments = [survey.rawValue, question.rawValue]
            let filter = "WHERE survey_id = ? AND question = ? AND item = '' AND answers > 0"
            var summaries: [NumberSummary] = []
            /// Walks (sector, value, count) rows ordered by sector and value, summarising each sector.
            func summarise(_ cursor: RowCursor) throws {
                var sector: String?, values: [(value: Double, count: Int)] = []
                func close() {
                    guard let sector else { return }
                    summaries.append(NumberSummary.summarising(sector: sector, counts: values))
                }
                while let row = try cursor.next() {
                    let group: String = row[0]
                    if group != sector { close(); (sector, values) = (group, []) }
                    values.append((row[1], row[2]))
                }
                close()
            }
            try summarise(try Row.fetchCursor(
                db, sql: "SELECT sector, number, answers FROM number_tally \(filter) ORDER BY sector, number", arguments: arguments))
            try summarise(try Row.fetchCursor(db, sql: """
                SELECT ?, number, sum(answers) FROM number_tally \(filter) GROUP BY number ORDER BY number
                """, arguments: [allSectors] + arguments))
            if !summaries.contains(where: { $0.sector == allSectors }) {
                summaries.append(NumberSummary(sector: allSectors, n: 0, mean: nil, median: nil))
            }
            return summaries
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
