/// What exports may show of a respondent's answers, by their publication choice (DESIGN §7):
/// the one place the privacy rule lives.
extension PublicationChoice {
    /// What an export writes in place of an answer it withholds.
    public enum Withholding: String, Sendable {
        /// A personal answer (name, e-mail) of a respondent not published with their name.
        case personal
        /// Free text of a respondent who asked not to be published.
        case confidential
    }

    /// Whether any answer to `question` may appear (closed answers of confidential respondents
    /// still count; personal answers only for respondents published with their name).
    public func disclosesAnswer(to question: Question) -> Bool {
        withholding(question) != .personal
    }

    /// Whether text written for `question` (a free text, an "other" text) may appear.
    public func disclosesText(of question: Question) -> Bool {
        withholding(question) == nil
    }

    /// Whether the free text a respondent gave for "other" sector may appear.
    public var disclosesOtherSectorText: Bool { self != .confidential }

    /// Why text written for `question` is withheld, or nil when it may appear.
    public func withholding(_ question: Question) -> Withholding? {
        if question.isPersonal && self != .publicNamed { return .personal }
        return self == .confidential ? .confidential : nil
    }
}
