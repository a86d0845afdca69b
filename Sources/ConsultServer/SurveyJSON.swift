import ConsultCore
import Foundation

/// Surveys as the API shows them.
enum SurveyJSON {
    static func summary(_ survey: Survey, window: SurveyWindow, at now: Date) -> JSONValue {
        .object([
            "id": .string(survey.id.rawValue),
            "title": .string(survey.title),
            "opens_at": .string(Instant.utcText(window.opensAt)),
            "closes_at": .string(Instant.utcText(window.closesAt)),
            "status": .string(window.status(at: now).rawValue),
        ])
    }

    static func definition(_ survey: Survey, window: SurveyWindow, at now: Date) -> JSONValue {
        guard case .object(var members) = summary(survey, window: window, at: now) else { return .null }
        members["description"] = optional(survey.description)
        members["language"] = .string(survey.language)
        members["time_zone"] = .string(survey.timeZone.identifier)
        members["opens_at_local"] = .string(Instant.localText(window.opensAt, in: survey.timeZone))
        members["closes_at_local"] = .string(Instant.localText(window.closesAt, in: survey.timeZone))
        members["respondent"] = .object([
            "sector_question": .string(survey.respondent.sectorQuestion.rawValue),
            "country_question": optional(survey.respondent.countryQuestion?.rawValue),
            "publication_question": optional(survey.respondent.publicationQuestion?.rawValue),
        ])
        members["sectors"] = .array(survey.sectors.map { sector in
            .object([
                "id": .string(sector.id.rawValue), "label": .string(sector.label),
                "description": optional(sector.description), "keywords": .array(sector.keywords.map(JSONValue.string)),
            ])
        })
        members["sections"] = .array(survey.sections.map { section in
            .object([
                "id": .string(section.id.rawValue), "title": .string(section.title),
                "description": optional(section.description), "questions": .array(section.questions.map(question)),
            ])
        })
        members["scoring"] = survey.scoring.map(scoring) ?? .null
        return .object(members)
    }

    static func question(_ question: Question) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(question.id.rawValue),
            "type": .string(question.kind.type.rawValue),
            "text": .string(question.text),
            "help": optional(question.help),
            "required": .bool(question.isRequired),
            "personal": .bool(question.isPersonal),
            "show_if": question.showIf.map { condition in
                .object([
                    "question": .string(condition.question.rawValue),
                    "any_of": .array(condition.values.map { value in
                        switch value {
                        case .option(let id): .string(id.rawValue)
                        case .scaleValue(let number): .number(Double(number))
                        }
                    }),
                ])
            } ?? .null,
        ]
        func choices(_ list: ChoiceList) {
            members["options"] = .array(list.options.map { option in
                .object([
                    "id": .string(option.id.rawValue), "label": .string(option.label),
                    "points": option.points.map { .number(Double($0)) } ?? .null,
                ])
            })
            members["other"] = .bool(list.allowsOther)
        }
        func points(_ scale: Scale) -> JSONValue {
            .array(scale.points.map { .object(["value": .number(Double($0.value)), "label": .string($0.label)]) })
        }
        switch question.kind {
        case .singleChoice(let list):
            choices(list)
        case .multipleChoice(let list, let picks):
            choices(list)
            members["min_picks"] = .number(Double(picks.lowerBound))
            members["max_picks"] = .number(Double(picks.upperBound))
        case .scale(let scale):
            members["points"] = points(scale)
        case .matrix(let items, let scale):
            members["items"] = .array(items.map { .object(["id": .string($0.id.rawValue), "label": .string($0.label)]) })
            members["points"] = points(scale)
        case .text(let maxLength, let multiline):
            members["max_length"] = .number(Double(maxLength))
            members["multiline"] = .bool(multiline)
        case .number(let range):
            members["min"] = range.min.map(JSONValue.number) ?? .null
            members["max"] = range.max.map(JSONValue.number) ?? .null
            members["integer"] = .bool(range.integerOnly)
        case .country, .email:
            break
        case .file(let rule):
            members["kinds"] = .array(rule.kinds.map { .string($0.rawValue) })
            members["max_size_bytes"] = .number(Double(rule.maxBytes))
            members["max_files"] = .number(Double(rule.maxFiles))
        }
        return .object(members)
    }

    static func scoring(_ scoring: Scoring) -> JSONValue {
        .object([
            "levels": .array(scoring.levels.map { level in
                .object([
                    "id": .string(level.id.rawValue), "label": .string(level.label), "meaning": optional(level.meaning),
                    "next_steps": .array(level.nextSteps.map(JSONValue.string)),
                ])
            }),
            "scores": .array(scoring.scores.map { rule in
                var members: [String: JSONValue] = [
                    "id": .string(rule.id.rawValue), "label": .string(rule.label),
                    "bands": .array(rule.bands.map { band in
                        .object([
                            "min": .number(Double(band.range.lowerBound)), "max": .number(Double(band.range.upperBound)),
                            "level": .string(band.level.rawValue),
                        ])
                    }),
                ]
                switch rule.formula {
                case .sum(let ids): members["sum"] = .array(ids.map { .string($0.rawValue) })
                case .product(let ids): members["product"] = .array(ids.map { .string($0.rawValue) })
                }
                return .object(members)
            }),
        ])
    }

    /// A respondent's scored result: the level with its meaning and next steps, the score that set
    /// it, and each section's scores; null when the survey is not scored or nothing could be computed.
    static func result(_ result: ScoreResult?) -> JSONValue {
        guard let result else { return .null }
        func computed(_ score: ScoreResult.ComputedScore) -> JSONValue {
            .object([
                "id": .string(score.rule.id.rawValue), "label": .string(score.rule.label),
                "score": .number(Double(score.value)), "level": .string(score.level.id.rawValue),
            ])
        }
        return .object([
            "level": .string(result.level.id.rawValue),
            "level_label": .string(result.level.label),
            "score": .number(Double(result.score.value)),
            "score_id": .string(result.score.rule.id.rawValue),
            "score_label": .string(result.score.rule.label),
            "sections": .array(result.sections.map { section in
                let highest = section.highest
                return .object([
                    "id": .string(section.section.id.rawValue), "title": .string(section.section.title),
                    "score": highest.map { JSONValue.number(Double($0.value)) } ?? .null,
                    "level": optional(highest?.level.id.rawValue),
                    "scores": .array(section.scores.map(computed)),
                ])
            }),
            "meaning": optional(result.level.meaning),
            "next_steps": .array(result.level.nextSteps.map(JSONValue.string)),
        ])
    }

    static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }
}
