/// An id written in a survey definition, typed by what it names so a question id
/// cannot be passed where an option id is expected.
public struct Identifier<Subject>: Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether `text` may be used as an id: lower-case ASCII letters, digits, `-` and `_`,
    /// starting with a letter or digit, at most 64 characters.
    public static func isWellFormed(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64 else { return false }
        func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        return isLetterOrDigit(first)
            && text.utf8.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}

public typealias SurveyID = Identifier<Survey>
public typealias SectionID = Identifier<Section>
public typealias QuestionID = Identifier<Question>
public typealias OptionID = Identifier<ChoiceOption>
public typealias MatrixItemID = Identifier<MatrixItem>
public typealias SectorID = Identifier<Sector>
public typealias LevelID = Identifier<ScoreLevel>
public typealias ScoreID = Identifier<ScoreRule>
