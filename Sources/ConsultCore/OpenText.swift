/// Which free text of a submission a reading-room row, search hit or coding is about.
public struct OpenTextField: Hashable, Sendable, Comparable {
    /// What kind of free text it is.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        /// The answer to a text (or e-mail) question.
        case answer
        /// The "other, please specify" text of a choice question.
        case other
        /// The text a respondent gave for "other" sector.
        case sector

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The question the text answers; `nil` for the other-sector text.
    public let question: QuestionID?
    public let kind: Kind

    public init(question: QuestionID, kind: Kind) {
        self.question = question
        self.kind = kind
    }

    /// The other-sector text.
    public static let otherSector = OpenTextField(sector: ())

    private init(sector: Void) {
        question = nil
        kind = .sector
    }

    /// The question id as the store keeps it: `""` for the other-sector text.
    public var storedQuestion: String { question?.rawValue ?? "" }

    /// The field a stored row names, or nil when the pair is not a valid field.
    public init?(storedQuestion: String, kind: String) {
        guard let kind = Kind(rawValue: kind) else { return nil }
        if kind == .sector {
            guard storedQuestion.isEmpty else { return nil }
            self = .otherSector
        } else {
            guard QuestionID.isWellFormed(storedQuestion) else { return nil }
            self.init(question: QuestionID(storedQuestion), kind: kind)
        }
    }

    public static func < (lhs: OpenTextField, rhs: OpenTextField) -> Bool {
        (lhs.storedQuestion, lhs.kind) < (rhs.storedQuestion, rhs.kind)
    }
}

/// Every free text of one version of a submission, the unit the reading room searches and codes.
public struct OpenTexts: Sendable, Hashable {
    /// Each field's text, as stored (exact, never trimmed).
    public let texts: [OpenTextField: String]

    public init(_ texts: [OpenTextField: String]) {
        self.texts = texts
    }

    /// The free texts of `answers`, plus the other-sector text when there is one. Texts of personal
    /// questions are included; readers decide what to show with ``PublicationChoice``.
    public init(answers: AnswerSet, otherSectorText: String?) {
        var texts: [OpenTextField: String] = [:]
        for (question, answer) in answers.answers {
            switch answer {
            case .text(let text), .email(let text):
                texts[OpenTextField(question: question, kind: .answer)] = text
            case .choice(_, let other?), .choices(_, let other?):
                texts[OpenTextField(question: question, kind: .other)] = other
            default:
                break
            }
        }
        if let otherSectorText {
            texts[.otherSector] = otherSectorText
        }
        self.texts = texts
    }

    /// The fields in a stable order (question id, then kind).
    public var fields: [OpenTextField] { texts.keys.sorted() }

    public subscript(field: OpenTextField) -> String? { texts[field] }
}
