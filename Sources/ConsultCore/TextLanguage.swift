/// What a language identifier (CLD2, in the `ConsultLanguage` module) said about one free text.
public struct LanguageGuess: Sendable, Hashable {
    /// The most likely language as a lower-case ISO 639 code (`en`, `fr`, `zh-hant`), or
    /// ``TextLanguage/undeterminedCode`` when the identifier found none.
    public let code: String
    /// Share (0...100) of the text's letters in that language.
    public let percent: Int
    /// Letters-only bytes the identifier scored (digits, punctuation and markup left out).
    public let letterBytes: Int
    /// The identifier's own verdict that this language is clearly more probable than the next.
    public let isReliable: Bool

    /// `code` is taken as the identifier gives it; CLD2's retired codes are read as today's
    /// (`iw` Hebrew is `he`, `in` Indonesian is `id`, `jw` Javanese is `jv`), and its "unknown" as `und`.
    public init(code: String, percent: Int, letterBytes: Int, isReliable: Bool) {
        let lowered = code.lowercased()
        self.code = Self.modernCodes[lowered] ?? lowered
        self.percent = percent
        self.letterBytes = letterBytes
        self.isReliable = isReliable
    }

    private static let modernCodes = ["un": TextLanguage.undeterminedCode, "iw": "he", "in": "id", "jw": "jv", "ji": "yi"]
}

/// The language consult assigns a free text: one language, or undetermined when the text is too
/// short or too mixed for the identifier to judge (see ``LanguageRule``).
public enum TextLanguage: Sendable, Hashable {
    case undetermined
    /// A lower-case ISO 639 code, as ``LanguageGuess/code``.
    case language(String)

    /// BCP 47's code for an undetermined language, as the store and the exports write it.
    public static let undeterminedCode = "und"

    /// The code the store, the API and the exports write: the language's, or `und`.
    public var code: String {
        switch self {
        case .undetermined: Self.undeterminedCode
        case .language(let code): code
        }
    }

    /// The language a stored code names (`und` and an empty code are undetermined).
    public init(code: String) {
        self = code.isEmpty || code == Self.undeterminedCode ? .undetermined : .language(code.lowercased())
    }
}

/// How a free text's language stands against its survey's `language`.
public enum LanguageVerdict: String, Sendable, Hashable, CaseIterable {
    /// Written in the survey's language.
    case surveyLanguage = "survey-language"
    /// Written, as far as the identifier can judge, in another language: flagged for the team, never refused.
    case foreign
    /// Too short or too mixed to judge: never flagged.
    case undetermined
}

/// The one rule that turns an identifier's guess into a text's language, and a language into a
/// verdict against the survey. Everything that stores, flags, filters or counts languages uses it.
///
/// A text has a language only when the identifier calls its guess reliable, scored at least
/// ``minimumLetterBytes`` letters, and found at least ``minimumPercent`` % of them in that language;
/// anything less is undetermined, never foreign. The thresholds were chosen on the corpus in
/// `Tests/Language/corpus.tsv` (see `Scripts/language-accuracy.sh` and BENCHMARKS.md).
public enum LanguageRule {
    /// The fewest letters (UTF-8 bytes of letters) a text needs for a language: about six words.
    public static let minimumLetterBytes = 30
    /// The least share of the text's letters in the guessed language.
    public static let minimumPercent = 70

    /// The language of a text the identifier guessed `guess` for.
    public static func language(of guess: LanguageGuess) -> TextLanguage {
        guard guess.code != TextLanguage.undeterminedCode, !guess.code.isEmpty, guess.isReliable,
            guess.letterBytes >= minimumLetterBytes, guess.percent >= minimumPercent
        else { return .undetermined }
        return .language(guess.code)
    }

    /// How `language` stands against a survey written in `surveyLanguage` (a BCP 47 tag): languages
    /// are compared by their primary subtag, so `en-GB` is `en` and `zh-hant` is `zh`, and Norwegian's
    /// `no`, `nb` and `nn` are one language.
    public static func verdict(of language: TextLanguage, surveyLanguage: String) -> LanguageVerdict {
        guard case .language(let code) = language else { return .undetermined }
        return primary(code) == primary(surveyLanguage) ? .surveyLanguage : .foreign
    }

    /// The verdict on a text the identifier guessed `guess` for.
    public static func verdict(of guess: LanguageGuess, surveyLanguage: String) -> LanguageVerdict {
        verdict(of: language(of: guess), surveyLanguage: surveyLanguage)
    }

    /// The codes a text of `surveyLanguage` may carry and still be in it (for the store's filters).
    public static func codes(matching surveyLanguage: String, among codes: some Sequence<String>) -> [String] {
        codes.filter { verdict(of: TextLanguage(code: $0), surveyLanguage: surveyLanguage) == .surveyLanguage }
    }

    private static func primary(_ tag: String) -> String {
        let primary = tag.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        return primary == "nb" || primary == "nn" ? "no" : primary
    }
}

/// A reading-room filter on the texts' language: a verdict against the survey's language, or one
/// language (`und` is the undetermined texts).
public enum LanguageFilter: Sendable, Hashable {
    case verdict(LanguageVerdict)
    case language(TextLanguage)

    /// Reads the `language` parameter: `survey-language`, `foreign`, `undetermined`, or an ISO 639
    /// code such as `fr` or `zh-hant` (`und` for undetermined). Nil for anything else.
    public init?(parameter: String) {
        let value = parameter.lowercased()
        if let verdict = LanguageVerdict(rawValue: value) {
            self = .verdict(verdict)
            return
        }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0 >= "a" && $0 <= "z" }),
            parts.dropFirst().allSatisfy({ (2...8).contains($0.count) && $0.allSatisfy { $0.isLetter || $0.isNumber } && $0.allSatisfy(\.isASCII) })
        else { return nil }
        self = .language(TextLanguage(code: value))
    }

    /// The parameter as the API and links give it.
    public var parameter: String {
        switch self {
        case .verdict(let verdict): verdict.rawValue
        case .language(let language): language.code
        }
    }
}
