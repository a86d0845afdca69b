extension Survey {
    /// Each score of the survey's scoring that the answers allow to compute.
    public func scores(for answers: AnswerSet) -> [ScoreID: Int] {
        var values: [ScoreID: Int] = [:]
        for rule in scoring?.scores ?? [] {
            values[rule.id] = value(of: rule, for: answers)
        }
        return values
    }

    /// The instrument's level: the highest level any computed score reaches; nil if none
    /// could be computed or the survey is not scored.
    public func level(for answers: AnswerSet) -> LevelID? {
        guard let scoring else { return nil }
        let reached = scoring.scores.compactMap { rule in value(of: rule, for: answers).flatMap(rule.level(for:)) }
        return scoring.levels.last { reached.contains($0.id) }?.id
    }

    /// A score's value: a sum counts unanswered questions as 0; a product is nil when a factor is missing.
    public func value(of rule: ScoreRule, for answers: AnswerSet) -> Int? {
        switch rule.formula {
        case .sum(let ids):
            return ids.reduce(0) { total, id in
                total + (question(id).flatMap { question in answers[id].map { question.points(of: $0) } } ?? 0)
            }
        case .product(let ids):
            var product = 1
            for id in ids {
                guard let question = question(id), let answer = answers[id], let factor = question.factor(of: answer)
                else { return nil }
                product *= factor
            }
            return product
        }
    }
}

extension Question {
    /// What an answer adds to a sum: option points, a scale value, or a matrix's ratings together.
    func points(of answer: Answer) -> Int {
        switch (kind, answer) {
        case (.singleChoice(let list), .choice(let id, _)):
            list.option(id)?.points ?? 0
        case (.multipleChoice(let list, _), .choices(let ids, _)):
            ids.reduce(0) { $0 + (list.option($1)?.points ?? 0) }
        case (_, .scale(let value)):
            value
        case (_, .ratings(let ratings)):
            ratings.values.reduce(0, +)
        default:
            0
        }
    }

    /// An answer's value as a factor of a product; nil for "other" or an option without points.
    func factor(of answer: Answer) -> Int? {
        switch (kind, answer) {
        case (.singleChoice(let list), .choice(let id, _)): list.option(id)?.points
        case (_, .scale(let value)): value
        default: nil
        }
    }
}
