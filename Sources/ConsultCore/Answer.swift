/// One checked answer, typed by its question's kind.
public enum Answer: Sendable, Hashable {
    /// A single choice; `other` holds the text when the choice is "other".
    case choice(OptionID, other: String?)
    /// Multiple choices in the order given; `other` holds the text when "other" is among them.
    case choices([OptionID], other: String?)
    case scale(Int)
    /// A matrix: each rated item's point value.
    case ratings([MatrixItemID: Int])
    case text(String)
    case number(Double)
    /// An upper-case ISO 3166-1 alpha-2 code.
    case country(String)
    case email(String)
    /// The files attached to a `file` question, in the order given.
    case files([AttachedFile])

    /// The answer in the API's JSON form.
    public var json: JSONValue {
        func choice(_ id: OptionID, _ other: String?) -> JSONValue {
            if id == ChoiceList.otherID, let other {
                return .object(["choice": .string(ChoiceList.otherID.rawValue), "other": .string(other)])
            }
            return .string(id.rawValue)
        }
        switch self {
        case .choice(let id, let other): return choice(id, other)
        case .choices(let ids, let other): return .array(ids.map { choice($0, other) })
        case .scale(let value): return .number(Double(value))
        case .ratings(let ratings):
            return .object(Dictionary(uniqueKeysWithValues: ratings.map { ($0.key.rawValue, .number(Double($0.value))) }))
        case .text(let text), .country(let text), .email(let text): return .string(text)
        case .number(let value): return .number(value)
        case .files(let files): return .array(files.map(\.json))
        }
    }

    /// Whether the answer is, or includes, one of the values a condition looks for.
    public func matches(_ values: [ConditionValue]) -> Bool {
        switch self {
        case .choice(let id, _): values.contains(.option(id))
        case .choices(let ids, _): ids.contains { values.contains(.option($0)) }
        case .scale(let value): values.contains(.scaleValue(value))
        default: false
        }
    }
}

/// The checked answers of one respondent.
public struct AnswerSet: Sendable, Hashable {
    public let answers: [QuestionID: Answer]

    public init(_ answers: [QuestionID: Answer]) {
        self.answers = answers
    }

    public subscript(id: QuestionID) -> Answer? { answers[id] }

    /// The answers in the API's JSON form: question id → value.
    public var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: answers.map { ($0.key.rawValue, $0.value.json) }))
    }

    /// The canonical JSON text that receipts hash.
    public var canonicalText: String { json.canonicalText }
}

/// What is wrong with the answer to one question.
public struct AnswerProblem: Sendable, Hashable, Codable {
    /// The question id as sent.
    public let question: String
    public let message: String

    public init(question: String, message: String) {
        self.question = question
        self.message = message
    }
}

/// Answers that cannot be accepted, with a problem for every question at fault.
public struct InvalidAnswers: Error, Sendable, Hashable {
    public let problems: [AnswerProblem]

    public init(problems: [AnswerProblem]) {
        self.problems = problems
    }
}
