/// The facts about a respondent that the analysis groups by, drawn from their answers.
public struct RespondentProfile: Sendable, Hashable {
    /// The sector the respondent chose, ``RespondentProfile/otherSector`` for "other",
    /// or ``RespondentProfile/unclassified`` if they did not answer.
    public let declaredSector: SectorID
    /// What the respondent wrote for "other, please specify".
    public let otherSectorText: String?
    /// The sector the analysis uses: the declared one, else the one the "other" text's
    /// keywords point to, else ``RespondentProfile/unclassified``.
    public let finalSector: SectorID
    public let country: Country?
    public let publication: PublicationChoice

    /// The declared sector of a respondent who chose "other, please specify".
    public static let otherSector: SectorID = "other"
    /// The final sector of a respondent whose sector is not known.
    public static let unclassified: SectorID = "unclassified"
}

extension Survey {
    /// The respondent's sector, country and publication choice, as the answers give them.
    public func profile(of answers: AnswerSet) -> RespondentProfile {
        var declared = RespondentProfile.unclassified
        var otherText: String?
        var final = RespondentProfile.unclassified
        if case .choice(let option, let other)? = answers[respondent.sectorQuestion] {
            if option == ChoiceList.otherID {
                declared = RespondentProfile.otherSector
                otherText = other
                final = other.flatMap { SectorClassifier(sectors: sectors).sector(for: $0) } ?? RespondentProfile.unclassified
            } else {
                declared = SectorID(option.rawValue)
                final = declared
            }
        }
        var country: Country?
        if let question = respondent.countryQuestion, case .country(let code)? = answers[question] {
            country = CountryTable.country(code)
        }
        var publication = PublicationChoice.default
        if let question = respondent.publicationQuestion, case .choice(let option, _)? = answers[question] {
            publication = PublicationChoice(rawValue: option.rawValue) ?? .default
        }
        return RespondentProfile(
            declaredSector: declared, otherSectorText: otherText, finalSector: final, country: country,
            publication: publication)
    }

    /// Whether `sector` may be a respondent's final sector: one of the survey's, or unclassified.
    public func acceptsFinalSector(_ sector: SectorID) -> Bool {
        sector == RespondentProfile.unclassified || self.sector(sector) != nil
    }
}

/// Places "other, please specify" text in a sector by the sectors' keywords.
public struct SectorClassifier: Sendable {
    private let rules: [(sector: SectorID, keywords: [[Substring]])]

    public init(sectors: [Sector]) {
        rules = sectors.map { sector in (sector.id, sector.keywords.map { Self.words(in: $0) }) }
    }

    /// The first sector, in the survey's order, with a keyword found as whole words in `text`.
    public func sector(for text: String) -> SectorID? {
        let words = Self.words(in: text)
        for rule in rules where rule.keywords.contains(where: { Self.contains(words, $0) }) {
            return rule.sector
        }
        return nil
    }

    static func words(in text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    static func contains(_ words: [Substring], _ phrase: [Substring]) -> Bool {
        guard !phrase.isEmpty, phrase.count <= words.count else { return false }
        return (0...(words.count - phrase.count)).contains { start in
            words[start..<(start + phrase.count)].elementsEqual(phrase)
        }
    }
}
