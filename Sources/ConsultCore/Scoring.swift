/// How a scored instrument turns answers into a level (low … extremely high).
///
/// Each ``ScoreRule`` computes a number from some answers and its bands name the
/// level that number reaches; the instrument's level is the highest of them.
public struct Scoring: Sendable, Hashable {
    /// The levels, lowest first.
    public let levels: [ScoreLevel]
    public let scores: [ScoreRule]

    public init(levels: [ScoreLevel], scores: [ScoreRule]) {
        self.levels = levels
        self.scores = scores
    }
}

public struct ScoreLevel: Sendable, Hashable, Identifiable {
    public let id: LevelID
    public let label: String
    /// What reaching this level means for the assessed case, as the survey file words it.
    public let meaning: String?
    /// What to do next at this level, in order; empty if the file gives none.
    public let nextSteps: [String]

    public init(id: LevelID, label: String, meaning: String? = nil, nextSteps: [String] = []) {
        self.id = id
        self.label = label
        self.meaning = meaning
        self.nextSteps = nextSteps
    }
}

/// One score of an instrument, such as the likelihood × impact of one risk.
public struct ScoreRule: Sendable, Hashable, Identifiable {
    public let id: ScoreID
    public let label: String
    public let formula: Formula
    /// Bands from the lowest score up, covering every score the formula can produce.
    public let bands: [ScoreBand]

    /// How the score is computed from the answers' points.
    public enum Formula: Sendable, Hashable {
        /// The points of these questions added; an unanswered one adds 0.
        case sum([QuestionID])
        /// The points of these questions multiplied; not computed if one is unanswered.
        case product([QuestionID])

        public var questions: [QuestionID] {
            switch self {
            case .sum(let ids), .product(let ids): ids
            }
        }
    }

    public init(id: ScoreID, label: String, formula: Formula, bands: [ScoreBand]) {
        self.id = id
        self.label = label
        self.formula = formula
        self.bands = bands
    }

    /// The level a score value falls in.
    public func level(for score: Int) -> LevelID? {
        bands.first { $0.range.contains(score) }?.level
    }
}

/// Scores from `range.lowerBound` to `range.upperBound` (inclusive) reach `level`.
public struct ScoreBand: Sendable, Hashable {
    public let range: ClosedRange<Int>
    public let level: LevelID

    public init(range: ClosedRange<Int>, level: LevelID) {
        self.range = range
        self.level = level
    }
}

extension Question {
    /// Whether a respondent may end up without answering: optional, or shown only sometimes.
    var mayBeUnanswered: Bool { !isRequired || showIf != nil }

    /// The lowest and highest points one answer can add to a sum; nil if the question scores nothing.
    /// An unanswered question adds 0, and so does "other".
    var sumContribution: ClosedRange<Int>? {
        switch kind {
        case .singleChoice(let list):
            let points = list.options.compactMap(\.points)
            guard points.count == list.options.count, let low = points.min(), let high = points.max() else {
                return nil
            }
            return mayBeUnanswered || list.allowsOther ? min(low, 0)...max(high, 0) : low...high
        case .multipleChoice(let list, _):
            let points = list.options.compactMap(\.points)
            guard points.count == list.options.count else { return nil }
            return points.filter { $0 < 0 }.reduce(0, +)...points.filter { $0 > 0 }.reduce(0, +)
        case .scale(let scale):
            let range = scale.range
            return mayBeUnanswered ? min(range.lowerBound, 0)...max(range.upperBound, 0) : range
        case .matrix(let items, let scale):
            let range = scale.range
            let perItem = mayBeUnanswered ? min(range.lowerBound, 0)...max(range.upperBound, 0) : range
            return (perItem.lowerBound * items.count)...(perItem.upperBound * items.count)
        case .text, .number, .country, .email, .file:
            return nil
        }
    }

    /// The values an answer can give as a factor of a product; nil if it cannot be one.
    var productFactor: ClosedRange<Int>? {
        switch kind {
        case .scale(let scale):
            return scale.range
        case .singleChoice(let list):
            let points = list.options.compactMap(\.points)
            guard points.count == list.options.count, let low = points.min(), let high = points.max() else {
                return nil
            }
            return low...high
        default:
            return nil
        }
    }
}

extension ClosedRange<Int> {
    /// Every product of a value here and a value in `other`.
    func multiplied(by other: ClosedRange<Int>) -> ClosedRange<Int> {
        let corners = [
            lowerBound * other.lowerBound, lowerBound * other.upperBound,
            upperBound * other.lowerBound, upperBound * other.upperBound,
        ]
        return (corners.min() ?? 0)...(corners.max() ?? 0)
    }
}
