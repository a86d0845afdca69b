import ConsultCore
import GRDB
import Synchronization

/// The aggregation rows of an answer set: one per chosen option, rated item or value.
package enum AnswerRows {
    package struct Row: Sendable, Hashable {
        package let question: String
        package var item: String? = nil
        package var option: String? = nil
        package var number: Double? = nil
        package var text: String? = nil

        package init(question: String, item: String? = nil, option: String? = nil, number: Double? = nil, text: String? = nil) {
            self.question = question
            self.item = item
            self.option = option
            self.number = number
            self.text = text
        }
    }

    package static func rows(of answers: AnswerSet) -> [Row] {
        answers.answers.sorted { $0.key < $1.key }.flatMap { id, answer -> [Row] in
            let question = id.rawValue
            switch answer {
            case .choice(let option, let other):
                return [Row(question: question, option: option.rawValue, text: other)]
            case .choices(let options, let other):
                return options.map {
                    Row(question: question, option: $0.rawValue, text: $0 == ChoiceList.otherID ? other : nil)
                }
            case .scale(let value):
                return [Row(question: question, number: Double(value))]
            case .ratings(let ratings):
                return ratings.sorted { $0.key < $1.key }.map {
                    Row(question: question, item: $0.key.rawValue, number: Double($0.value))
                }
            case .text(let text), .email(let text):
                return [Row(question: question, text: text)]
            case .country(let code):
                return [Row(question: question, option: code)]
            case .number(let value):
                return [Row(question: question, number: value)]
            case .files:
                // Position papers: files live in `attachment`; the version's JSON names them.
                return []
            }
        }
    }
}

/// The numbers `answer_value` rows use for question, item, option and country ids, and back.
///
/// Codes are only ever added, in their own committed transaction before the submissions that
/// use them (see ``ConsultDatabase/codeBook(covering:)``), so a cached code always exists in the file.
package struct AnswerCodeBook: Sendable {
    private(set) var ids: [String: Int64] = [:]
    private(set) var codes: [Int64: String] = [:]
    /// The surveys whose every possible id is in the book.
    private(set) var coveredSurveys: Set<String> = []

    mutating func add(id: Int64, code: String) {
        ids[code] = id
        codes[id] = code
    }

    mutating func markCovered(_ survey: SurveyID) { coveredSurveys.insert(survey.rawValue) }

    /// Every id an answer to `survey` can store: its questions, items, options, "other", and the country codes.
    package static func possibleCodes(of survey: Survey) -> Set<String> {
        var codes: Set<String> = [ChoiceList.otherID.rawValue]
        for question in survey.questions {
            codes.insert(question.id.rawValue)
            switch question.kind {
            case .singleChoice(let list), .multipleChoice(let list, _):
                codes.formUnion(list.options.map(\.id.rawValue))
            case .matrix(let items, _):
                codes.formUnion(items.map(\.id.rawValue))
            case .country:
                codes.formUnion(CountryTable.all.map(\.alpha2))
            case .scale, .text, .number, .email, .file:
                break
            }
        }
        return codes
    }

    /// One answer row with its ids as codes.
    func encode(_ row: AnswerRows.Row) throws -> EncodedAnswer {
        func code(_ text: String) throws -> Int64 {
            guard let id = ids[text] else { throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "no answer code for \(text)") }
            return id
        }
        return EncodedAnswer(
            question: try code(row.question), item: try row.item.map(code), option: try row.option.map(code),
            number: row.number, text: row.text)
    }
}

/// An answer row as `answer_value` stores it.
struct EncodedAnswer: Sendable {
    let question: Int64
    let item: Int64?
    let option: Int64?
    let number: Double?
    let text: String?
}

/// Changes to the tallies (`question_tally`, `option_tally`, `number_tally`) that a set of
/// stores, edits and reassignments makes, summed so that each tally row is written once.
package struct TallyDelta: Sendable {
    private var questions: [QuestionKey: Int] = [:]
    private var options: [OptionKey: Int] = [:]
    private var numbers: [NumberKey: Int] = [:]

    private struct QuestionKey: Hashable { let survey, question, sector: String }
    private struct OptionKey: Hashable { let survey, question, option, sector: String }
    private struct NumberKey: Hashable {
        let survey, question, item: String
        let number: Double
        let sector: String
    }

    /// Counts (`sign` 1) or uncounts (`sign` -1) one submission's answer rows in `sector`:
    /// each question it answered, each option it chose, each number it gave.
    package init() {}

    package mutating func add(_ rows: [AnswerRows.Row], survey: String, sector: String, sign: Int) {
        var answered: Set<String> = []
        for row in rows {
            if answered.insert(row.question).inserted {
                questions[QuestionKey(survey: survey, question: row.question, sector: sector), default: 0] += sign
            }
            if let option = row.option {
                options[OptionKey(survey: survey, question: row.question, option: option, sector: sector), default: 0] += sign
            }
            if let number = row.number {
                numbers[NumberKey(survey: survey, question: row.question, item: row.item ?? "", number: number, sector: sector), default: 0] += sign
            }
        }
    }

    package mutating func add(_ other: TallyDelta) {
        questions.merge(other.questions, uniquingKeysWith: +)
        options.merge(other.options, uniquingKeysWith: +)
        numbers.merge(other.numbers, uniquingKeysWith: +)
    }

    /// The changes, each tally row once, in one fixed order (engines that lock rows apply them in it,
    /// so two transactions never wait for each other in a circle): per table, its key values and the change.
    package var changes: [(table: TallyTable, key: [TallyKeyValue], change: Int)] {
        let rows: [(TallyTable, [TallyKeyValue], Int)] =
            questions.map { (.question, [.text($0.survey), .text($0.question), .text($0.sector)], $1) }
            + options.map { (.option, [.text($0.survey), .text($0.question), .text($0.option), .text($0.sector)], $1) }
            + numbers.map { (.number, [.text($0.survey), .text($0.question), .text($0.item), .number($0.number), .text($0.sector)], $1) }
        return rows.filter { $0.2 != 0 }
            .sorted { $0.0.rawValue != $1.0.rawValue ? $0.0.rawValue < $1.0.rawValue : $0.1.lexicographicallyPrecedes($1.1) }
            .map { (table: $0.0, key: $0.1, change: $0.2) }
    }

    /// Adds the changes to the tally tables.
    func apply(in db: Database) throws {
        try Self.apply(questions.map { ([$0.survey, $0.question, $0.sector], $1) },
                       table: "question_tally", keys: ["survey_id", "question", "sector"], count: "respondents", in: db)
        try Self.apply(options.map { ([$0.survey, $0.question, $0.option, $0.sector], $1) },
                       table: "option_tally", keys: ["survey_id", "question", "option", "sector"], count: "respondents", in: db)
        try Self.apply(numbers.map { ([$0.survey, $0.question, $0.item, $0.number, $0.sector], $1) },
                       table: "number_tally", keys: ["survey_id", "question", "item", "number", "sector"], count: "answers", in: db)
    }

    /// Adds each change to its row of `table`: an upsert for a count that grows, an update for one
    /// that shrinks (the row exists, and the CHECK on the count would refuse a negative insert).
    private static func apply(
        _ changes: [(key: [any DatabaseValueConvertible & Sendable], change: Int)], table: String, keys: [String], count: String,
        in db: Database
    ) throws {
        let grow = try db.cachedStatement(sql: """
            INSERT INTO \(table) (\(keys.joined(separator: ", ")), \(count)) VALUES (\(keys.map { _ in "?" }.joined(separator: ", ")), ?)
            ON CONFLICT DO UPDATE SET \(count) = \(count) + excluded.\(count)
            """)
        let shrink = try db.cachedStatement(sql: """
            UPDATE \(table) SET \(count) = \(count) + ? WHERE \(keys.map { "\($0) = ?" }.joined(separator: " AND "))
            """)
        for (key, change) in changes where change != 0 {
            if change > 0 {
                try grow.execute(arguments: StatementArguments(key + [change]))
            } else {
                try shrink.execute(arguments: StatementArguments([change] + key))
            }
        }
    }
}

extension ConsultDatabase {
    /// The code book, with every id an answer to `survey` can store. Adds the missing codes
    /// in a transaction of their own first: call it before the transaction that stores answers.
    func codeBook(covering survey: Survey) async throws -> AnswerCodeBook {
        let cached = codes.withLock { $0 }
        if cached.coveredSurveys.contains(survey.id.rawValue) { return cached }
        let missing = AnswerCodeBook.possibleCodes(of: survey).subtracting(cached.ids.keys)
        let added = try await pool.write { db -> [(Int64, String)] in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO answer_code (code) VALUES (?)")
            for code in missing { try insert.execute(arguments: [code]) }
            return try Row.fetchAll(db, sql: "SELECT id, code FROM answer_code").map { ($0[0], $0[1]) }
        }
        return codes.withLock { book in
            for (id, code) in added { book.add(id: id, code: code) }
            book.markCovered(survey.id)
            return book
        }
    }

    /// Adds the codes of every id answers to `surveys` can store, so that serving a request never
    /// writes them (a refused request then changes nothing in the file).
    public func registerAnswerCodes(of surveys: [Survey]) async throws {
        for survey in surveys { _ = try await codeBook(covering: survey) }
    }

    /// Every code in the file, as the store opens it.
    static func loadCodeBook(_ db: Database) throws -> AnswerCodeBook {
        var book = AnswerCodeBook()
        for row in try Row.fetchAll(db, sql: "SELECT id, code FROM answer_code") { book.add(id: row[0], code: row[1]) }
        return book
    }

    /// Replaces the answer rows of submission `seq` with `rows`.
    func writeAnswerRows(_ rows: [EncodedAnswer], of seq: Int64, replacing: Bool, in db: Database) throws {
        if replacing { try db.execute(sql: "DELETE FROM answer_value WHERE submission_seq = ?", arguments: [seq]) }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO answer_value (submission_seq, position, question, item, option, number, text)
            VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT))
            """)
        for (position, row) in rows.enumerated() {
            try insert.execute(arguments: [seq, position, row.question, row.item, row.option, row.number, ExactText.bindable(row.text)])
        }
    }

    /// The stored answer rows of submission `seq`, with their ids decoded.
    func answerRows(of seq: Int64, in db: Database) throws -> [AnswerRows.Row] {
        try Row.fetchAll(db, sql: """
            SELECT q.code, i.code, o.code, a.number, \(ExactText.select("a.text")) FROM answer_value a
            JOIN answer_code q ON q.id = a.question
            LEFT JOIN answer_code i ON i.id = a.item LEFT JOIN answer_code o ON o.id = a.option
            WHERE a.submission_seq = ? ORDER BY a.position
            """, arguments: [seq]
        ).map { AnswerRows.Row(question: $0[0], item: $0[1], option: $0[2], number: $0[3], text: ExactText.decode($0[4])) }
    }
}

/// The three tallies kept in the storing transaction, with their key columns and count column.
package enum TallyTable: String, Sendable, CaseIterable {
    case question = "question_tally"
    case option = "option_tally"
    case number = "number_tally"

    package var keys: [String] {
        switch self {
        case .question: ["survey_id", "question", "sector"]
        case .option: ["survey_id", "question", "option", "sector"]
        case .number: ["survey_id", "question", "item", "number", "sector"]
        }
    }

    package var count: String { self == .number ? "answers" : "respondents" }
}

/// One key value of a tally row.
package enum TallyKeyValue: Sendable, Hashable, Comparable {
    case text(String)
    case number(Double)
}
