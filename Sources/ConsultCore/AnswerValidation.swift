import Foundation

/// How strictly answers are checked.
public enum AnswerCheck: Sendable {
    /// A submission: every answer valid, required questions answered, hidden questions unanswered.
    case submission
    /// A draft being saved: each answer valid, nothing yet required, answers to hidden questions kept.
    case draft
}

extension Survey {
    /// The longest "other, please specify" text accepted.
    public static let otherTextLimit = 1000

    /// Checks raw answers (question id → JSON value) against the survey.
    ///
    /// A `null`, empty text, empty list or empty matrix counts as no answer.
    /// Throws every problem, in the order of the questions, unknown ids last.
    public func check(_ raw: [String: JSONValue], as mode: AnswerCheck) throws(InvalidAnswers) -> AnswerSet {
        var problems: [AnswerProblem] = []
        var answers: [QuestionID: Answer] = [:]
        var shown: Set<QuestionID> = []
        // Questions whose display hangs on an invalid answer: whether they are asked is unknown,
        // so only their own value is checked, to report nothing that follows from another problem.
        var undecided: Set<QuestionID> = []
        for question in questions {
            let isShown = isShown(question, given: answers, shown: shown)
            if isShown { shown.insert(question.id) }
            let value = raw[question.id.rawValue] ?? .null
            let answer: Answer?
            do {
                answer = try question.read(value, complete: mode == .submission)
            } catch {
                problems.append(AnswerProblem(question: question.id.rawValue, message: error.message))
                undecided.insert(question.id)
                continue
            }
            if let condition = question.showIf, undecided.contains(condition.question) {
                undecided.insert(question.id)
                continue
            }
            switch (answer, mode) {
            case (let answer?, .draft):
                answers[question.id] = answer
            case (let answer?, .submission):
                if isShown {
                    answers[question.id] = answer
                } else {
                    problems.append(AnswerProblem(question: question.id.rawValue, message: hiddenMessage(question)))
                }
            case (nil, .submission) where isShown && question.isRequired:
                problems.append(AnswerProblem(question: question.id.rawValue, message: "an answer is required"))
            case (nil, _):
                break
            }
        }
        let known = Set(questions.map(\.id.rawValue))
        for id in raw.keys.sorted() where !known.contains(id) {
            problems.append(AnswerProblem(question: id, message: "this survey has no question with this id"))
        }
        guard problems.isEmpty else { throw InvalidAnswers(problems: problems) }
        return AnswerSet(answers)
    }

    /// The answers without those to questions that the other answers hide,
    /// as when a draft whose earlier answers changed is submitted.
    public func droppingHiddenAnswers(_ answers: AnswerSet) -> AnswerSet {
        var kept: [QuestionID: Answer] = [:]
        var shown: Set<QuestionID> = []
        for question in questions where isShown(question, given: kept, shown: shown) {
            shown.insert(question.id)
            kept[question.id] = answers[question.id]
        }
        return AnswerSet(kept)
    }

    /// `shown` holds the earlier questions already found to be asked.
    private func isShown(_ question: Question, given answers: [QuestionID: Answer], shown: Set<QuestionID>) -> Bool {
        guard let condition = question.showIf else { return true }
        guard shown.contains(condition.question), let answer = answers[condition.question] else { return false }
        return answer.matches(condition.values)
    }

    private func hiddenMessage(_ question: Question) -> String {
        guard let condition = question.showIf else { return "this question is not asked" }
        let values = condition.values.map { "\"\($0)\"" }.joined(separator: " or ")
        return "this question is only asked when the answer to \"\(condition.question)\" is \(values); leave it out"
    }
}

/// Why a value is not a valid answer to a question.
struct AnswerError: Error {
    let message: String
}

extension Question {
    /// The typed answer in `value`, nil for no answer. `complete` asks a required matrix to rate every item.
    func read(_ value: JSONValue, complete: Bool) throws(AnswerError) -> Answer? {
        if value == .null { return nil }
        switch kind {
        case .singleChoice(let list):
            return try list.readChoice(value)
        case .multipleChoice(let list, let picks):
            guard case .array(let elements) = value else {
                throw AnswerError(message: "expected a list of option ids; " + list.optionsHint)
            }
            if elements.isEmpty { return nil }
            var ids: [OptionID] = []
            var otherText: String?
            for element in elements {
                guard case .choice(let id, let other) = try list.readChoice(element) else { continue }
                if ids.contains(id) { throw AnswerError(message: "\"\(id)\" is chosen more than once") }
                ids.append(id)
                if let other { otherText = other }
            }
            if ids.count < picks.lowerBound {
                throw AnswerError(message: "choose at least \(picks.lowerBound); \(ids.count) chosen")
            }
            if ids.count > picks.upperBound {
                throw AnswerError(message: "choose at most \(picks.upperBound); \(ids.count) chosen")
            }
            return .choices(ids, other: otherText)
        case .scale(let scale):
            return .scale(try scale.readPoint(value))
        case .matrix(let items, let scale):
            guard case .object(let members) = value else {
                throw AnswerError(message: "expected an object rating each item: "
                    + items.map { "\"\($0.id)\"" }.joined(separator: ", "))
            }
            if members.isEmpty { return nil }
            var ratings: [MatrixItemID: Int] = [:]
            for key in members.keys.sorted() {
                guard items.contains(where: { $0.id.rawValue == key }) else {
                    throw AnswerError(message: "\"\(key)\" is not an item of this question; its items are "
                        + items.map(\.id.rawValue).joined(separator: ", "))
                }
                if members[key] == .null { continue }
                do {
                    ratings[MatrixItemID(key)] = try scale.readPoint(members[key] ?? .null)
                } catch {
                    throw AnswerError(message: "\"\(key)\": \(error.message)")
                }
            }
            let missing = items.filter { ratings[$0.id] == nil }
            if complete && isRequired && !missing.isEmpty {
                throw AnswerError(message: "rate every item; missing "
                    + missing.map { "\"\($0.id)\"" }.joined(separator: ", "))
            }
            return ratings.isEmpty ? nil : .ratings(ratings)
        case .text(let maxLength, _):
            guard let text = try Self.readText(value) else { return nil }
            if text.count > maxLength {
                throw AnswerError(message: "the answer is \(text.count) characters long; at most \(maxLength) are allowed")
            }
            try Self.checkBytes(of: text, characters: maxLength)
            return .text(text)
        case .number(let range):
            guard case .number(let number) = value, number.isFinite else {
                throw AnswerError(message: "expected a number")
            }
            if range.integerOnly && number != number.rounded() {
                throw AnswerError(message: "expected a whole number")
            }
            if let low = range.min, number < low {
                throw AnswerError(message: "must be at least \(JSONValue.canonicalNumber(low))")
            }
            if let high = range.max, number > high {
                throw AnswerError(message: "must be at most \(JSONValue.canonicalNumber(high))")
            }
            return .number(number)
        case .country:
            guard let text = try Self.readText(value) else { return nil }
            let code = text.uppercased()
            guard code.utf8.count == 2, CountryTable.country(code) != nil else {
                throw AnswerError(message: "\"\(text)\" is not an ISO 3166-1 alpha-2 country code such as AT or BR")
            }
            return .country(code)
        case .email:
            guard let text = try Self.readText(value) else { return nil }
            guard EmailAddress.isPlausible(text) else {
                throw AnswerError(message: "\"\(text)\" is not an e-mail address")
            }
            return .email(text)
        case .file(let rule):
            guard case .array(let elements) = value else {
                throw AnswerError(message: "expected a list of the files' uploads: [{\"id\", \"name\", \"kind\", \"size\", \"sha256\"}]")
            }
            if elements.isEmpty { return nil }
            if elements.count > rule.maxFiles {
                throw AnswerError(message: "at most \(rule.maxFiles) file(s) may be attached; \(elements.count) given")
            }
            var files: [AttachedFile] = []
            for element in elements {
                let file = try AttachedFile.read(element, rule: rule)
                if files.contains(where: { $0.id == file.id }) {
                    throw AnswerError(message: "the file \"\(file.id)\" is attached more than once")
                }
                files.append(file)
            }
            return .files(files)
        }
    }

    /// UTF-8 bytes a text of at most `characters` characters may take: 4 per character, as many
    /// as the longest single code point needs. A "character" (grapheme) may join any number of
    /// combining marks, so the character count alone does not bound what is stored.
    public static func byteLimit(characters: Int) -> Int { 4 * characters }

    static func checkBytes(of text: String, characters: Int) throws(AnswerError) {
        let limit = byteLimit(characters: characters)
        if text.utf8.count > limit {
            throw AnswerError(message: "the answer takes \(text.utf8.count) bytes in UTF-8; at most \(limit) "
                + "(4 per allowed character) are allowed: it joins too many accents or other marks")
        }
    }

    /// Text without surrounding white space; nil when nothing is left.
    static func readText(_ value: JSONValue) throws(AnswerError) -> String? {
        guard case .string(let text) = value else { throw AnswerError(message: "expected text") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension ChoiceList {
    var optionsHint: String {
        "the options are " + options.map(\.id.rawValue).joined(separator: ", ")
            + (allowsOther ? ", or {\"choice\": \"other\", \"other\": \"…\"}" : "")
    }

    /// One choice: an option id, or "other" with its text.
    func readChoice(_ value: JSONValue) throws(AnswerError) -> Answer {
        switch value {
        case .string(let text):
            let id = OptionID(text)
            if option(id) != nil { return .choice(id, other: nil) }
            if id == ChoiceList.otherID && allowsOther {
                throw AnswerError(message: "say what \"other\" is: {\"choice\": \"other\", \"other\": \"…\"}")
            }
            throw AnswerError(message: "\"\(text)\" is not an option; " + optionsHint)
        case .object(let members):
            guard members["choice"] == .string(ChoiceList.otherID.rawValue), Set(members.keys) == ["choice", "other"]
            else {
                throw AnswerError(message: "an object answer must be {\"choice\": \"other\", \"other\": \"…\"}")
            }
            guard allowsOther else { throw AnswerError(message: "this question has no \"other\" choice; " + optionsHint) }
            guard let text = try Question.readText(members["other"] ?? .null) else {
                throw AnswerError(message: "say what \"other\" is: the \"other\" text is empty")
            }
            if text.count > Survey.otherTextLimit {
                throw AnswerError(message: "the \"other\" text is \(text.count) characters long; at most \(Survey.otherTextLimit) are allowed")
            }
            try Question.checkBytes(of: text, characters: Survey.otherTextLimit)
            return .choice(ChoiceList.otherID, other: text)
        default:
            throw AnswerError(message: "expected an option id; " + optionsHint)
        }
    }
}

extension Scale {
    func readPoint(_ value: JSONValue) throws(AnswerError) -> Int {
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e9,
            point(Int(number)) != nil
        else {
            throw AnswerError(message: "expected one of the scale values "
                + points.map { String($0.value) }.joined(separator: ", "))
        }
        return Int(number)
    }
}

/// A deliberately plain check of e-mail addresses: what people type, not every form RFC 5322 allows.
enum EmailAddress {
    static func isPlausible(_ text: String) -> Bool {
        guard text.utf8.count <= 254, !text.contains(where: \.isWhitespace) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            (1...64).contains(local.utf8.count), local.first != ".", local.last != ".", !local.contains(".."),
            local.allSatisfy({ $0.isLetter || $0.isNumber || "!#$%&'*+/=?^_`{|}~.-".contains($0) })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }
}
