import Foundation

/// A consultation or questionnaire as its organizers defined it.
public struct Survey: Sendable, Hashable {
    public let id: SurveyID
    public let title: String
    public let description: String?
    /// BCP 47 tag of the survey's only language.
    public let language: String
    /// The zone the survey's dates are shown in, next to UTC.
    public let timeZone: TimeZone
    /// When submissions are accepted, as first defined in the file.
    public let window: SurveyWindow
    public let respondent: RespondentRoles
    public let sectors: [Sector]
    public let sections: [Section]
    public let scoring: Scoring?
    /// Every question, in the order respondents meet them.
    public let questions: [Question]
    /// How campaigns (near-duplicate submissions) are found; defaults when the file says nothing.
    public let campaigns: CampaignSettings

    public init(
        id: SurveyID, title: String, description: String?, language: String, timeZone: TimeZone,
        window: SurveyWindow, respondent: RespondentRoles, sectors: [Sector], sections: [Section],
        scoring: Scoring?, campaigns: CampaignSettings = .standard
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.language = language
        self.timeZone = timeZone
        self.window = window
        self.respondent = respondent
        self.sectors = sectors
        self.sections = sections
        self.scoring = scoring
        questions = sections.flatMap(\.questions)
        self.campaigns = campaigns
    }

    public func question(_ id: QuestionID) -> Question? {
        for section in sections {
            if let question = section.questions.first(where: { $0.id == id }) { return question }
        }
        return nil
    }

    public func sector(_ id: SectorID) -> Sector? {
        sectors.first { $0.id == id }
    }

    /// The label a person reads for a final sector: the sector's own label, "Unclassified" for
    /// ``RespondentProfile/unclassified``, else the id itself (never invented).
    public func sectorLabel(_ id: String) -> String {
        if let sector = sector(SectorID(id)) { return sector.label }
        return id == RespondentProfile.unclassified.rawValue ? "Unclassified" : id
    }
}

/// Which questions carry the respondent facts the analysis groups by.
public struct RespondentRoles: Sendable, Hashable {
    /// The question whose answer is the respondent's declared sector; its options are the sectors.
    public let sectorQuestion: QuestionID
    /// The question giving the respondent's country, if the survey asks it.
    public let countryQuestion: QuestionID?
    /// The question where the respondent chooses how their answers may be published.
    public let publicationQuestion: QuestionID?

    public init(sectorQuestion: QuestionID, countryQuestion: QuestionID?, publicationQuestion: QuestionID?) {
        self.sectorQuestion = sectorQuestion
        self.countryQuestion = countryQuestion
        self.publicationQuestion = publicationQuestion
    }
}

/// A stakeholder group respondents are counted by (law enforcement, academia, …).
public struct Sector: Sendable, Hashable, Identifiable {
    public let id: SectorID
    public let label: String
    public let description: String?
    /// Lower-case words or phrases that place an "other, please specify" answer in this sector.
    public let keywords: [String]

    public init(id: SectorID, label: String, description: String?, keywords: [String]) {
        self.id = id
        self.label = label
        self.description = description
        self.keywords = keywords
    }
}

/// One page of the form.
public struct Section: Sendable, Hashable, Identifiable {
    public let id: SectionID
    public let title: String
    public let description: String?
    public let questions: [Question]

    public init(id: SectionID, title: String, description: String?, questions: [Question]) {
        self.id = id
        self.title = title
        self.description = description
        self.questions = questions
    }
}

/// How a respondent lets their answers be published.
public enum PublicationChoice: String, Sendable, Hashable, CaseIterable {
    case publicNamed = "public_named"
    case publicAnonymous = "public_anonymous"
    case confidential

    /// What the respondent reads next to the choice.
    public var label: String {
        switch self {
        case .publicNamed: "Publish my answers with my name and organisation"
        case .publicAnonymous: "Publish my answers without my name"
        case .confidential: "Do not publish my answers (they are still counted)"
        }
    }

    /// The choice assumed when a survey asks no publication question.
    public static let `default` = PublicationChoice.publicAnonymous
}
