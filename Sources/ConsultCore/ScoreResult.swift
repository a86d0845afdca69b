/// What a scored instrument tells one respondent: the level reached, the score that set it,
/// and how each section's scores contributed, with the level's meaning and next steps.
public struct ScoreResult: Sendable, Hashable {
    /// The instrument's level: the highest level any computed score reaches.
    public let level: ScoreLevel
    /// The score that set the level: the highest value among the scores reaching it.
    public let score: ComputedScore
    /// The sections holding scored questions, in survey order.
    public let sections: [SectionScore]

    /// One score's value and the level its bands give.
    public struct ComputedScore: Sendable, Hashable {
        public let rule: ScoreRule
        public let value: Int
        public let level: ScoreLevel
        /// The level's place among the survey's levels, lowest 0.
        let rank: Int
    }

    /// A section's contribution: the scores computed from its questions, and the highest of them
    /// (the one reaching the highest level, the larger value on a tie), which is the section's score.
    public struct SectionScore: Sendable, Hashable {
        public let section: Section
        public let scores: [ComputedScore]
        public var highest: ComputedScore? { scores.max(by: ComputedScore.ranksBelow) }
    }
}

extension ScoreResult.ComputedScore {
    /// Orders by level, then by value.
    static func ranksBelow(_ a: Self, _ b: Self) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.value < b.value
    }
}

extension Survey {
    /// The result the answers reach; nil if the survey is not scored or no score could be computed.
    /// A score belongs to the section of its first question.
    public func result(for answers: AnswerSet) -> ScoreResult? {
        guard let scoring else { return nil }
        let rank = Dictionary(uniqueKeysWithValues: scoring.levels.enumerated().map { ($0.element.id, $0.offset) })
        var bySection: [SectionID: [ScoreResult.ComputedScore]] = [:]
        var all: [ScoreResult.ComputedScore] = []
        for rule in scoring.scores {
            guard let value = value(of: rule, for: answers), let levelID = rule.level(for: value),
                let level = scoring.levels.first(where: { $0.id == levelID }),
                let first = rule.formula.questions.first,
                let section = sections.first(where: { $0.questions.contains { $0.id == first } })
            else { continue }
            let computed = ScoreResult.ComputedScore(rule: rule, value: value, level: level, rank: rank[levelID] ?? 0)
            bySection[section.id, default: []].append(computed)
            all.append(computed)
        }
        guard let top = all.max(by: ScoreResult.ComputedScore.ranksBelow) else { return nil }
        return ScoreResult(
            level: top.level, score: top,
            sections: sections.compactMap { section in
                bySection[section.id].map { ScoreResult.SectionScore(section: section, scores: $0) }
            })
    }
}
