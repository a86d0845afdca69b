import ConsultCore
import Foundation

/// Makes realistic, valid answer sets for a survey, reproducibly from a seed: for tests
/// and benchmarks, never for real consultations.
///
/// Sectors follow ``sectorShares`` (with 8 % "other, please specify", half of them
/// naming a sector keyword); answers lean by sector so that per-sector tables differ;
/// one free text in ten is hostile (formula, quotes, newlines, emoji, right-to-left
/// text, NUL and other control characters, non-characters: see ``hostileTexts``) to
/// exercise the store and the exports.
public struct ResponseGenerator {
    public let survey: Survey
    private var random: SplitMix64

    private let questions: [Question]

    public init(survey: Survey, seed: UInt64) {
        self.survey = survey
        questions = survey.questions
        random = SplitMix64(seed: seed)
    }

    /// Whether a raw answer is, or includes, one of the values a `show_if` looks for.
    static func answer(_ value: JSONValue, matchesAnyOf values: [ConditionValue]) -> Bool {
        switch value {
        case .string(let id): values.contains(.option(OptionID(id)))
        case .number(let number): values.contains(.scaleValue(Int(number)))
        case .object(let members): members["choice"] == .string("other") && values.contains(.option("other"))
        case .array(let elements): elements.contains { answer($0, matchesAnyOf: values) }
        default: false
        }
    }

    /// The share of respondents declaring each sector, in survey order (the rest share what is left).
    public static let sectorShares = [0.30, 0.20, 0.15, 0.15, 0.10]

    /// Texts that break naive CSV and XML writers, then one of each class of code point a
    /// store or export could lose: NUL, C0 and C1 controls, a lone CR, U+FFFE / U+FFFF, other
    /// non-characters, combining marks, emoji sequences, right-to-left marks, invisible formats.
    public static let hostileTexts = [
        "=HYPERLINK(\"http://example.com\",\"click\")", "+1 cannot be right", "-2 is worse", "@SUM(A1:A9)",
        "\tindented", "\rcarriage", "She said \"no\", then left", "one, two, three", "first line\nsecond line",
        "windows\r\nline", "emoji 🧠🔬", "مرحبا بالعالم", "שלום עולם", "control \u{01} char", "non-character \u{FFFE} here",
    ] + codePointClasses.map(\.text)

    /// One text per class of code point, each kept in the middle (answers are trimmed at the ends).
    public static let codePointClasses: [(name: String, text: String)] = [
        ("NUL", "before \u{0} after, and \u{0}\u{0} twice"),
        ("C0 controls", "C0 \u{1}\u{2}\u{7}\u{8}\u{B}\u{C}\u{E}\u{1B}\u{1F}\u{7F} end"),
        ("C1 controls", "C1 \u{80}\u{85}\u{9B}\u{9F} end"),
        ("lone CR", "lone\rCR and LF\nalone"),
        ("U+FFFE and U+FFFF", "last of the BMP \u{FFFE}\u{FFFF} end"),
        // A literal U+FDD0 does not compile.
        ("non-characters", "non-characters \(scalars(0xFDD0, 0xFDEF, 0x1FFFE, 0x10FFFE, 0x10FFFF)) end"),
        ("combining marks", "combining e\u{301} a\u{300}\u{323} versus \u{E9} and Z\u{36B}\u{35F}\u{489}"),
        ("emoji", "emoji 👩🏽‍⚕️ 🇦🇹 1️⃣ 🏳️‍🌈 \u{1F9E0}"),
        ("right-to-left marks", "RTL \u{200F}mark\u{200E} \u{202E}override\u{202C} \u{2067}isolate\u{2069} \u{61C}arabic mark"),
        ("invisible formats", "zero width \u{200B}space\u{200D}joiner \u{FEFF}BOM \u{AD}soft hyphen"),
        ("surrogate neighbours", "around surrogates \u{D7FF}\u{E000}\u{FFFD}\u{10000} end"),
    ]

    private static func scalars(_ values: UInt32...) -> String {
        String(String.UnicodeScalarView(values.compactMap(Unicode.Scalar.init)))
    }

    /// The next respondent's raw answers (question id → JSON value), valid for submission.
    public mutating func nextAnswers() -> [String: JSONValue] {
        let sectorIndex = drawSectorIndex()
        var raw: [String: JSONValue] = [:]
        var shown: Set<QuestionID> = []
        for question in questions {
            if let condition = question.showIf {
                guard shown.contains(condition.question), let answer = raw[condition.question.rawValue],
                    Self.answer(answer, matchesAnyOf: condition.values)
                else { continue }
            }
            shown.insert(question.id)
            guard question.isRequired || random.unit() < 0.85 else { continue }
            raw[question.id.rawValue] = value(for: question, sectorIndex: sectorIndex)
        }
        return raw
    }

    /// The next respondent's answers, checked as a submission.
    public mutating func nextAnswerSet() throws -> AnswerSet {
        try survey.check(nextAnswers(), as: .submission)
    }

    private mutating func drawSectorIndex() -> Int {
        let draw = random.unit()
        var cumulative = 0.0
        for (index, share) in Self.sectorShares.enumerated() where index < survey.sectors.count {
            cumulative += share
            if draw < cumulative { return index }
        }
        return Self.sectorShares.count + random.below(max(1, survey.sectors.count - Self.sectorShares.count))
    }

    private mutating func value(for question: Question, sectorIndex: Int) -> JSONValue {
        switch question.kind {
        case .singleChoice(let list):
            if question.id == survey.respondent.sectorQuestion {
                return sectorAnswer(list, sectorIndex: sectorIndex)
            }
            if list.allowsOther && random.unit() < 0.05 { return otherChoice() }
            return .string(list.options[leaning(list.options.count, sectorIndex: sectorIndex)].id.rawValue)
        case .multipleChoice(let list, let picks):
            let count = min(list.options.count, max(picks.lowerBound, 1 + random.below(picks.upperBound)))
            var chosen = Set<Int>()
            while chosen.count < count { chosen.insert(leaning(list.options.count, sectorIndex: sectorIndex + chosen.count)) }
            var values = chosen.sorted().map { JSONValue.string(list.options[$0].id.rawValue) }
            if list.allowsOther && values.count < picks.upperBound && random.unit() < 0.05 { values.append(otherChoice()) }
            return .array(values)
        case .scale(let scale):
            return .number(Double(scale.points[leaning(scale.points.count, sectorIndex: sectorIndex)].value))
        case .matrix(let items, let scale):
            return .object(Dictionary(uniqueKeysWithValues: items.enumerated().map { offset, item in
                (item.id.rawValue, JSONValue.number(Double(scale.points[leaning(scale.points.count, sectorIndex: sectorIndex + offset)].value)))
            }))
        case .text(let maxLength, _):
            return .string(String(text().prefix(maxLength)))
        case .number(let range):
            let low = range.min ?? 0
            let high = range.max ?? low + 100
            let value = low + (high - low) * random.unit() * random.unit()
            return .number(range.integerOnly ? value.rounded(.down) : (value * 100).rounded() / 100)
        case .country:
            return .string(CountryTable.all[random.below(CountryTable.all.count)].alpha2)
        case .email:
            return .string("respondent\(random.below(1_000_000))@example.org")
        case .file:
            // Position papers: synthetic respondents attach no files.
            return .null
        }
    }

    private mutating func sectorAnswer(_ list: ChoiceList, sectorIndex: Int) -> JSONValue {
        if list.allowsOther && random.unit() < 0.08 {
            if random.unit() < 0.5, let keyword = survey.sectors[sectorIndex % survey.sectors.count].keywords.first {
                return .object(["choice": .string("other"), "other": .string("A regional \(keyword) office")])
            }
            return .object(["choice": .string("other"), "other": .string("Independent artist")])
        }
        return .string(list.options[sectorIndex % list.options.count].id.rawValue)
    }

    private mutating func otherChoice() -> JSONValue {
        .object(["choice": .string("other"), "other": .string(text())])
    }

    /// An index in 0..<count, leaning towards one end depending on the sector.
    private mutating func leaning(_ count: Int, sectorIndex: Int) -> Int {
        let skewed = pow(random.unit(), sectorIndex % 2 == 0 ? 0.6 : 1.8)
        return min(count - 1, Int(skewed * Double(count)))
    }

    private mutating func text() -> String {
        if random.unit() < 0.1 { return Self.hostileTexts[random.below(Self.hostileTexts.count)] }
        let words = ["mental", "privacy", "oversight", "consent", "evidence", "court", "training", "risk", "law", "data"]
        return (0..<(3 + random.below(12))).map { _ in words[random.below(words.count)] }.joined(separator: " ")
    }
}

/// A small, fast, seedable random number generator (SplitMix64).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// A number in 0..<bound.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(max(bound, 1)))
    }
}
