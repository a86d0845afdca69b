import ConsultCore

/// The view of a respondent's scored result (the `result` partial): the level with its meaning
/// and next steps, the score that set it, and each section's scores.
enum ResultView {
    /// `heading` names the moment: a result as the answers stand, or as submitted.
    static func make(_ result: ScoreResult?, heading: String) -> [String: Any]? {
        guard let result else { return nil }
        var view: [String: Any] = [
            "heading": heading,
            "levelId": result.level.id.rawValue,
            "levelLabel": result.level.label,
            "score": result.score.value,
            "scoreLabel": result.score.rule.label,
            "hasNextSteps": !result.level.nextSteps.isEmpty,
            "nextSteps": result.level.nextSteps.map { ["text": $0] },
            "sections": result.sections.map { section -> [String: Any] in
                let highest = section.highest
                return [
                    "title": section.section.title,
                    "score": highest.map { String($0.value) } ?? "–",
                    "levelLabel": highest?.level.label ?? "–",
                    "scores": section.scores.map { score in
                        ["label": score.rule.label, "score": score.value, "levelLabel": score.level.label] as [String: Any]
                    },
                ]
            },
        ]
        if let meaning = result.level.meaning { view["meaning"] = meaning }
        return view
    }
}
