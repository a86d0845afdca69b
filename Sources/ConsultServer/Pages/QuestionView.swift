import ConsultCore
import Foundation

/// The view of one question in a form page: its native inputs (radios, checkboxes, a
/// country list, a matrix table …) filled with the field values, with labels, help and error
/// tied to the inputs for assistive technology.
enum QuestionView {
    /// `sameSectionCondition` is set when the question's display hangs on an answer given
    /// on the same page: the server cannot know yet, so the page says when to answer it
    /// (and the script hides it while it does not apply).
    static func make(
        _ question: Question, in survey: Survey, fields: FieldValues, error: String?, sameSectionCondition: Bool
    ) -> [String: Any] {
        let id = question.id.rawValue
        let base = "q-\(id)"
        let name = AnswerForm.field(question.id)
        let values = fields[name] ?? []
        var view: [String: Any] = [
            "id": base, "name": name, "text": question.text, "required": question.isRequired,
        ]
        var described: [String] = []
        if let help = question.help {
            view["help"] = help
            view["helpId"] = "\(base)-help"
            described.append("\(base)-help")
        }
        if let error {
            view["error"] = error
            view["errorId"] = "\(base)-error"
            described.insert("\(base)-error", at: 0)
        }
        if sameSectionCondition, let condition = question.showIf {
            view["showIf"] = [
                "field": AnswerForm.field(condition.question),
                "values": condition.values.map(\.description).joined(separator: " "),
                "note": conditionNote(condition, in: survey),
            ]
        }

        func choices(_ list: ChoiceList, multiple: Bool) {
            view["options"] = list.options.map { option in
                [
                    "inputId": "\(base)-\(option.id.rawValue)", "value": option.id.rawValue, "label": option.label,
                    "checked": values.contains(option.id.rawValue),
                ] as [String: Any]
            }
            if list.allowsOther {
                view["other"] = [
                    "inputId": "\(base)-other", "value": ChoiceList.otherID.rawValue,
                    "checked": values.contains(ChoiceList.otherID.rawValue),
                    "textName": AnswerForm.otherField(question.id), "textId": "\(base)-other-text",
                    "text": fields[AnswerForm.otherField(question.id)]?.first ?? "",
                    "maxLength": Survey.otherTextLimit,
                ] as [String: Any]
            }
            view["inputType"] = multiple ? "checkbox" : "radio"
        }

        switch question.kind {
        case .singleChoice(let list):
            view["isChoice"] = true
            choices(list, multiple: false)
        case .multipleChoice(let list, let picks):
            view["isChoice"] = true
            choices(list, multiple: true)
            if let hint = picksHint(picks, of: list.choiceCount) {
                view["picksHint"] = hint
                described.append("\(base)-hint")
            }
        case .scale(let scale):
            view["isChoice"] = true
            view["inputType"] = "radio"
            view["isScale"] = true
            view["options"] = scale.points.map { point in
                [
                    "inputId": "\(base)-\(point.value)", "value": String(point.value), "label": point.label,
                    "checked": values.contains(String(point.value)),
                ] as [String: Any]
            }
        case .matrix(let items, let scale):
            view["isMatrix"] = true
            view["points"] = scale.points.map { ["label": $0.label, "value": $0.value] as [String: Any] }
            view["rows"] = items.map { item in
                let field = AnswerForm.itemField(question.id, item.id)
                let chosen = fields[field]?.first
                return [
                    "label": item.label, "rowId": "\(base)-\(item.id.rawValue)",
                    "cells": scale.points.map { point in
                        [
                            "inputId": "\(base)-\(item.id.rawValue)-\(point.value)", "name": field,
                            "value": String(point.value), "checked": chosen == String(point.value),
                            "label": "\(item.label): \(point.label)",
                        ] as [String: Any]
                    },
                ] as [String: Any]
            }
        case .text(let maxLength, let multiline):
            view[multiline ? "isTextArea" : "isText"] = true
            view["value"] = values.first ?? ""
            view["maxLength"] = maxLength
            view["lengthHint"] = "At most \(maxLength) characters."
            if multiline {
                described.append("\(base)-hint")
                // lang (issue 15): the script asks for the note on a long answer not in the survey's language.
                view["languageCheck"] = "/api/v1/surveys/\(survey.id.rawValue)/language-check"
            }
        case .number(let range):
            view["isNumber"] = true
            view["value"] = values.first ?? ""
            view["inputMode"] = range.integerOnly ? "numeric" : "decimal"
            if let hint = rangeHint(range) {
                view["rangeHint"] = hint
                described.append("\(base)-hint")
            }
        case .country:
            view["isCountry"] = true
            let chosen = values.first?.uppercased()
            view["countries"] = CountryTable.all.sorted { $0.name < $1.name }.map { country in
                ["code": country.alpha2, "name": country.name, "selected": country.alpha2 == chosen] as [String: Any]
            }
        case .email:
            view["isEmail"] = true
            view["value"] = values.first ?? ""
        case .file(let rule):
            // Position papers: the attached files (each with a box to remove it) and a file input.
            view["isFile"] = true
            let files = (fields[FileAnswerForm.filesField(question.id)] ?? []).enumerated().compactMap { index, text -> [String: Any]? in
                guard let value = try? StrictJSON.parse(Data(text.utf8)), var file = FileAnswerForm.view(value) else { return nil }
                file["inputId"] = "\(base)-remove-\(index)"
                file["removeName"] = FileAnswerForm.removeField(question.id)
                return file
            }
            view["files"] = files
            view["hasFiles"] = !files.isEmpty
            view["uploadName"] = FileAnswerForm.uploadField(question.id)
            view["accept"] = FileAnswerForm.accept(rule)
            view["multiple"] = rule.maxFiles > 1
            view["fileHint"] = FileAnswerForm.hint(rule)
            described.append("\(base)-hint")
        }
        // Error first, then help, then the hint on the expected form of the answer.
        if !described.isEmpty { view["describedBy"] = described.joined(separator: " ") }
        view["hintId"] = "\(base)-hint"
        return view
    }

    /// "Answer this only if you chose “Yes” for “Has your organisation …?”".
    static func conditionNote(_ condition: DisplayCondition, in survey: Survey) -> String {
        guard let question = survey.question(condition.question) else { return "" }
        let labels = condition.values.map { value -> String in
            switch (value, question.kind) {
            case (.option(let id), .singleChoice(let list)), (.option(let id), .multipleChoice(let list, _)):
                return "“\(list.option(id)?.label ?? id.rawValue)”"
            case (.scaleValue(let number), .scale(let scale)):
                return "“\(scale.point(number)?.label ?? String(number))”"
            default:
                return "“\(value)”"
            }
        }
        return "Answer this only if you chose \(labels.joined(separator: " or ")) for “\(question.text)”."
    }

    private static func picksHint(_ picks: ClosedRange<Int>, of count: Int) -> String? {
        switch (picks.lowerBound, picks.upperBound >= count) {
        case (0, true), (1, true): return "Choose all that apply."
        case (let low, true): return "Choose at least \(low)."
        case (0, false), (1, false): return "Choose up to \(picks.upperBound)."
        default: return "Choose \(picks.lowerBound) to \(picks.upperBound)."
        }
    }

    private static func rangeHint(_ range: NumberRange) -> String? {
        let kind = range.integerOnly ? "A whole number" : "A number"
        switch (range.min, range.max) {
        case (let low?, let high?):
            return "\(kind) from \(JSONValue.canonicalNumber(low)) to \(JSONValue.canonicalNumber(high))."
        case (let low?, nil): return "\(kind), at least \(JSONValue.canonicalNumber(low))."
        case (nil, let high?): return "\(kind), at most \(JSONValue.canonicalNumber(high))."
        case (nil, nil): return range.integerOnly ? "A whole number." : nil
        }
    }
}
