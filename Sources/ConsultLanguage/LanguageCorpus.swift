import ConsultCore
import Foundation

/// A labelled corpus of texts (`Tests/Language/corpus.tsv`): one `language<TAB>text` a line, `#`
/// lines are comments. Measures ``LanguageRule`` on it with CLD2 (lang, issue 15).
public struct LanguageCorpus: Sendable {
    public struct Entry: Sendable, Hashable {
        /// The language the text is written in (lower-case ISO 639).
        public let language: String
        public let text: String
        /// Its line in the file, from 1.
        public let line: Int
    }

    /// Why a corpus file cannot be read: the line and what is wrong.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public let entries: [Entry]

    /// Texts longer than this many characters are "long": the issue's goal is on them.
    public static let longText = 100

    public init(tsv: String) throws {
        var entries: [Entry] = []
        for (index, line) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw FormatError(line: index + 1, message: "expected two fields, language and text, separated by one tab; found \(fields.count)")
            }
            guard case .language(let language) = LanguageFilter(parameter: String(fields[0])), !fields[1].isEmpty else {
                throw FormatError(line: index + 1, message: "the language \"\(fields[0])\" is not an ISO 639 code, or the text is empty")
            }
            entries.append(Entry(language: language.code, text: String(fields[1]), line: index + 1))
        }
        self.entries = entries
    }

    /// Judges every text against a survey in `surveyLanguage`.
    public func measure(surveyLanguage: String) -> LanguageAccuracy {
        LanguageAccuracy(surveyLanguage: surveyLanguage, judged: entries.map { ($0, LanguageIdentifier.language(of: $0.text)) })
    }
}

/// How ``LanguageRule`` fared on a corpus.
public struct LanguageAccuracy: Sendable {
    /// One language's texts: right, undetermined (never flagged), wrong; and the same for its long texts.
    public struct Tally: Sendable, Hashable {
        public let language: String
        public internal(set) var texts = 0, correct = 0, undetermined = 0, wrong = 0
        public internal(set) var longTexts = 0, longCorrect = 0
        /// Texts in the survey's language flagged as foreign (long ones), or foreign ones not flagged (long ones).
        public internal(set) var longMisjudged = 0

        public var accuracy: Double { texts == 0 ? 0 : Double(correct) / Double(texts) }
        public var longAccuracy: Double { longTexts == 0 ? 0 : Double(longCorrect) / Double(longTexts) }
    }

    public let surveyLanguage: String
    public let tallies: [Tally]
    /// The texts the rule gave another language than their own (undetermined ones are not here).
    public let mistakes: [(entry: LanguageCorpus.Entry, assigned: TextLanguage)]

    init(surveyLanguage: String, judged: [(LanguageCorpus.Entry, TextLanguage)]) {
        self.surveyLanguage = surveyLanguage
        var tallies: [String: Tally] = [:]
        var mistakes: [(entry: LanguageCorpus.Entry, assigned: TextLanguage)] = []
        for (entry, assigned) in judged {
            var tally = tallies[entry.language] ?? Tally(language: entry.language)
            let truth = LanguageRule.verdict(of: .language(entry.language), surveyLanguage: surveyLanguage)
            let verdict = LanguageRule.verdict(of: assigned, surveyLanguage: surveyLanguage)
            let long = entry.text.count > LanguageCorpus.longText
            tally.texts += 1
            if long { tally.longTexts += 1 }
            switch assigned {
            case .undetermined:
                tally.undetermined += 1
            case .language(let code) where LanguageRule.verdict(of: .language(code), surveyLanguage: entry.language) == .surveyLanguage:
                tally.correct += 1
                if long { tally.longCorrect += 1 }
            case .language:
                tally.wrong += 1
                mistakes.append((entry, assigned))
            }
            // A long text in the survey's language must not be flagged; one in another language must be.
            if long && (truth == .surveyLanguage ? verdict == .foreign : verdict != .foreign) { tally.longMisjudged += 1 }
            tallies[entry.language] = tally
        }
        self.tallies = tallies.values.sorted { ($0.language == surveyLanguage ? 0 : 1, $0.language) < ($1.language == surveyLanguage ? 0 : 1, $1.language) }
        self.mistakes = mistakes
    }

    /// The survey language's own tally.
    public var surveyLanguageTally: Tally? { tallies.first { $0.language == surveyLanguage } }

    /// Share of the survey language's long texts flagged as foreign (the issue's goal: at most 1 %).
    public var longSurveyLanguageFlagged: Double {
        guard let tally = surveyLanguageTally, tally.longTexts > 0 else { return 0 }
        return Double(tally.longMisjudged) / Double(tally.longTexts)
    }

    /// Share of the other languages' long texts not flagged as foreign.
    public var longForeignMissed: Double {
        let others = tallies.filter { $0.language != surveyLanguage }
        let long = others.map(\.longTexts).reduce(0, +)
        return long == 0 ? 0 : Double(others.map(\.longMisjudged).reduce(0, +)) / Double(long)
    }

    /// A plain-text table of the figures, one language a line, then the mistakes.
    public var report: String {
        func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
        func cells(_ values: [String], _ widths: [Int]) -> String {
            zip(values, widths).map { value, width in
                width < 0 ? value.padding(toLength: -width, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, width - value.count)) + value
            }.joined(separator: "  ")
        }
        let widths = [-8, 5, 7, 12, 5, 8, 5, 12, 13]
        var lines = [cells(
            ["language", "texts", "correct", "undetermined", "wrong", "accuracy", "long", "long-correct", "long-accuracy"], widths)]
        for tally in tallies {
            lines.append(cells([
                tally.language, "\(tally.texts)", "\(tally.correct)", "\(tally.undetermined)", "\(tally.wrong)",
                percent(tally.accuracy), "\(tally.longTexts)", "\(tally.longCorrect)", percent(tally.longAccuracy),
            ], widths))
        }
        let all = tallies.map(\.texts).reduce(0, +)
        lines.append("\(all) texts in \(tallies.count) languages; survey language \(surveyLanguage).")
        let own = surveyLanguageTally
        lines.append("\(surveyLanguage) texts over \(LanguageCorpus.longText) characters flagged as foreign: \(own?.longMisjudged ?? 0) of \(own?.longTexts ?? 0) (\(percent(longSurveyLanguageFlagged)); goal <= 1 %)")
        let others = tallies.filter { $0.language != surveyLanguage }
        lines.append("other languages' texts over \(LanguageCorpus.longText) characters not flagged: \(others.map(\.longMisjudged).reduce(0, +)) of \(others.map(\.longTexts).reduce(0, +)) (\(percent(longForeignMissed)))")
        for mistake in mistakes {
            lines.append("wrong: line \(mistake.entry.line) (\(mistake.entry.language)) judged \(mistake.assigned.code): \(mistake.entry.text.prefix(80))")
        }
        return lines.joined(separator: "\n")
    }
}
