/// The texts the campaign detector compares: per scope, the words of one submission it fingerprints.
///
/// Scope `""` is a submission's free texts together (answers to text questions and "other, please
/// specify" texts, in the order of the survey's questions); a question id is that question's texts.
/// Personal questions (name, e-mail, organisation) are never fingerprinted: a campaign is the
/// same opinion repeated, not the same sender, and their texts must not end up as a
/// representative text. The other-sector text describes the sender, not an opinion, and is left
/// out too.
public enum CampaignText {
    /// The whole-submission scope.
    public static let wholeSubmission = ""

    /// The text of each scope of one submission, from its free texts keyed by field. Scopes whose
    /// texts are empty are left out.
    public static func scopes(of texts: [OpenTextField: String], in survey: Survey) -> [String: String] {
        var scopes: [String: String] = [:]
        var whole: [String] = []
        for question in survey.questions where !question.isPersonal {
            let parts = [OpenTextField.Kind.answer, .other].compactMap { kind in
                texts[OpenTextField(question: question.id, kind: kind)]
            }.filter { !$0.isEmpty }
            guard !parts.isEmpty else { continue }
            let joined = parts.joined(separator: "\n")
            scopes[question.id.rawValue] = joined
            whole.append(joined)
        }
        if !whole.isEmpty { scopes[wholeSubmission] = whole.joined(separator: "\n") }
        return scopes
    }

    /// The fingerprint of each scope of one submission whose text is long enough to have one.
    /// A submission answering one question has the same text in that question's scope and the
    /// whole-submission scope: it is fingerprinted once.
    public static func fingerprints(of texts: [OpenTextField: String], in survey: Survey) -> [String: TextFingerprint] {
        var made: [String: TextFingerprint?] = [:]
        return scopes(of: texts, in: survey).compactMapValues { text in
            if let print = made[text] { return print }
            let print = TextFingerprint(of: text)
            made[text] = print
            return print
        }
    }
}
