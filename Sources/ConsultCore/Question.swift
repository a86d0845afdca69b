/// One question of a survey.
public struct Question: Sendable, Hashable, Identifiable {
    public let id: QuestionID
    /// The question as the respondent reads it.
    public let text: String
    public let help: String?
    /// Whether an answer is needed when the question is shown.
    public let isRequired: Bool
    /// Whether the answer identifies the respondent (name, e-mail): withheld unless published with name.
    public let isPersonal: Bool
    /// Shown only when this holds; nil means always shown.
    public let showIf: DisplayCondition?
    public let kind: QuestionKind

    public init(
        id: QuestionID, text: String, help: String? = nil, isRequired: Bool = false,
        isPersonal: Bool = false, showIf: DisplayCondition? = nil, kind: QuestionKind
    ) {
        self.id = id
        self.text = text
        self.help = help
        self.isRequired = isRequired
        self.isPersonal = isPersonal
        self.showIf = showIf
        self.kind = kind
    }
}

/// The question types a survey can use, by the names the definition files give them.
public enum QuestionType: String, Sendable, Hashable, CaseIterable {
    case singleChoice = "single_choice"
    case multipleChoice = "multiple_choice"
    case scale
    case matrix
    case text
    case number
    case country
    case email
    /// Files attached to the answer (position papers).
    case file
}

/// What kind of answer a question takes, with that kind's settings.
public enum QuestionKind: Sendable, Hashable {
    case singleChoice(ChoiceList)
    /// `picks` bounds how many choices (counting "other") may be ticked.
    case multipleChoice(ChoiceList, picks: ClosedRange<Int>)
    case scale(Scale)
    /// Several items, each rated on the same scale.
    case matrix(items: [MatrixItem], scale: Scale)
    case text(maxLength: Int, multiline: Bool)
    case number(NumberRange)
    /// An ISO 3166-1 alpha-2 country code.
    case country
    case email
    /// Uploaded files of the accepted kinds, each at most the rule's size.
    case file(FileRule)

    public var type: QuestionType {
        switch self {
        case .singleChoice: .singleChoice
        case .multipleChoice: .multipleChoice
        case .scale: .scale
        case .matrix: .matrix
        case .text: .text
        case .number: .number
        case .country: .country
        case .email: .email
        case .file: .file
        }
    }
}

/// The options of a choice question.
public struct ChoiceList: Sendable, Hashable {
    public let options: [ChoiceOption]
    /// Whether "Other (please specify)" with a text box is offered.
    public let allowsOther: Bool

    public init(options: [ChoiceOption], allowsOther: Bool) {
        self.options = options
        self.allowsOther = allowsOther
    }

    /// The id an answer uses for "Other (please specify)".
    public static let otherID: OptionID = "other"

    /// How many choices there are, counting "other".
    public var choiceCount: Int { options.count + (allowsOther ? 1 : 0) }

    public func option(_ id: OptionID) -> ChoiceOption? {
        options.first { $0.id == id }
    }
}

public struct ChoiceOption: Sendable, Hashable, Identifiable {
    public let id: OptionID
    public let label: String
    /// What choosing it adds to a score, for scored instruments.
    public let points: Int?

    public init(id: OptionID, label: String, points: Int? = nil) {
        self.id = id
        self.label = label
        self.points = points
    }
}

/// Labelled points in increasing order, as in a Likert scale.
public struct Scale: Sendable, Hashable {
    public let points: [ScalePoint]

    public init(points: [ScalePoint]) {
        self.points = points
    }

    /// The lowest and highest value (a scale has at least two points).
    public var range: ClosedRange<Int> {
        (points.first?.value ?? 0)...(points.last?.value ?? 0)
    }

    public func point(_ value: Int) -> ScalePoint? {
        points.first { $0.value == value }
    }
}

public struct ScalePoint: Sendable, Hashable {
    public let value: Int
    public let label: String

    public init(value: Int, label: String) {
        self.value = value
        self.label = label
    }
}

/// One row of a matrix question.
public struct MatrixItem: Sendable, Hashable, Identifiable {
    public let id: MatrixItemID
    public let label: String

    public init(id: MatrixItemID, label: String) {
        self.id = id
        self.label = label
    }
}

/// The accepted numbers of a number question.
public struct NumberRange: Sendable, Hashable {
    public let min: Double?
    public let max: Double?
    public let integerOnly: Bool

    public init(min: Double?, max: Double?, integerOnly: Bool) {
        self.min = min
        self.max = max
        self.integerOnly = integerOnly
    }
}

/// When a question is shown: an earlier answer is, or includes, one of the values.
public struct DisplayCondition: Sendable, Hashable {
    public let question: QuestionID
    public let values: [ConditionValue]

    public init(question: QuestionID, values: [ConditionValue]) {
        self.question = question
        self.values = values
    }
}

/// A value a condition looks for: an option of a choice question or a point of a scale.
public enum ConditionValue: Sendable, Hashable, CustomStringConvertible {
    case option(OptionID)
    case scaleValue(Int)

    public var description: String {
        switch self {
        case .option(let id): id.rawValue
        case .scaleValue(let value): String(value)
        }
    }
}
