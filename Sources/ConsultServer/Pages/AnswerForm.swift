import ConsultCore
import Foundation

/// Form field values by field name, as posted or as a form is filled.
typealias FieldValues = [String: [String]]

/// How answers travel through HTML forms: the field names of each question, the API's
/// raw answers read from posted fields, and the fields that show saved answers.
///
/// A question's field is `q.<question>`; the text of "Other, please specify" is
/// `q.<question>.other`; a matrix item's field is `q.<question>.<item>`.
enum AnswerForm {
    static func field(_ question: QuestionID) -> String { "q.\(question.rawValue)" }
    static func otherField(_ question: QuestionID) -> String { "q.\(question.rawValue).other" }
    static func itemField(_ question: QuestionID, _ item: MatrixItemID) -> String { "q.\(question.rawValue).\(item.rawValue)" }

    /// The raw answers (question id → API value) the form gives to `questions`; blank questions are left out.
    ///
    /// Values are passed on as typed (a number field holding letters stays text), so that the
    /// survey's own answer check names what is wrong.
    static func answers(of questions: [Question], in form: FieldValues) -> [String: JSONValue] {
        var answers: [String: JSONValue] = [:]
        for question in questions {
            let values = (form[field(question.id)] ?? []).filter { !$0.isEmpty }
            let otherText = form[otherField(question.id)]?.first ?? ""
            func choice(_ value: String) -> JSONValue {
                value == ChoiceList.otherID.rawValue
                    ? .object(["choice": .string(value), "other": .string(otherText)]) : .string(value)
            }
            switch question.kind {
            case .singleChoice:
                if let value = values.first { answers[question.id.rawValue] = choice(value) }
            case .multipleChoice:
                if !values.isEmpty { answers[question.id.rawValue] = .array(values.map(choice)) }
            case .scale:
                if let value = values.first { answers[question.id.rawValue] = number(value) }
            case .matrix(let items, _):
                var ratings: [String: JSONValue] = [:]
                for item in items {
                    if let value = form[itemField(question.id, item.id)]?.first, !value.isEmpty {
                        ratings[item.id.rawValue] = number(value)
                    }
                }
                if !ratings.isEmpty { answers[question.id.rawValue] = .object(ratings) }
            case .number:
                if let value = values.first?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    answers[question.id.rawValue] = number(value)
                }
            case .file:
                // Position papers: files come from the draft and the page's uploads (FileAnswerForm).
                break
            case .text, .country, .email:
                if let value = values.first, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    answers[question.id.rawValue] = .string(value)
                }
            }
        }
        return answers
    }

    /// The form fields that show the raw answers `answers` (as a draft keeps them).
    static func fields(showing answers: [String: JSONValue], of questions: [Question]) -> FieldValues {
        var fields: FieldValues = [:]
        for question in questions {
            guard let value = answers[question.id.rawValue] else { continue }
            func add(_ choice: JSONValue) {
                switch choice {
                case .string(let id):
                    fields[field(question.id), default: []].append(id)
                case .object(let members):
                    fields[field(question.id), default: []].append(ChoiceList.otherID.rawValue)
                    if case .string(let text)? = members["other"] { fields[otherField(question.id)] = [text] }
                default:
                    break
                }
            }
            switch (question.kind, value) {
            case (.multipleChoice, .array(let choices)):
                choices.forEach(add)
            case (.matrix, .object(let ratings)):
                for (item, rating) in ratings { fields[itemField(question.id, MatrixItemID(item))] = [text(of: rating)] }
            case (.singleChoice, _):
                add(value)
            case (.file, .array(let files)):
                fields[FileAnswerForm.filesField(question.id)] = files.map(\.canonicalText)
            default:
                fields[field(question.id)] = [text(of: value)]
            }
        }
        return fields
    }

    /// A number field's value: a JSON number when it reads as one, else the text as typed.
    private static func number(_ text: String) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = Double(trimmed), value.isFinite { return .number(value) }
        return .string(trimmed)
    }

    private static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): JSONValue.canonicalNumber(number)
        default: ""
        }
    }
}
