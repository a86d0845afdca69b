import ConsultCore
import Testing

/// The privacy rule of every export: what each publication choice lets through.
@Suite struct DisclosureTests {
    let name = Question(id: QuestionID("name"), text: "Your name", isPersonal: true, kind: .text(maxLength: 200, multiline: false))
    let view = Question(id: QuestionID("view"), text: "Your view", kind: .text(maxLength: 2000, multiline: true))

    @Test func namedRespondentsDiscloseEverything() {
        #expect(PublicationChoice.publicNamed.withholding(name) == nil)
        #expect(PublicationChoice.publicNamed.disclosesText(of: name))
        #expect(PublicationChoice.publicNamed.disclosesOtherSectorText)
    }

    @Test func anonymousRespondentsDiscloseTheirTextsButNotWhoTheyAre() {
        #expect(PublicationChoice.publicAnonymous.withholding(name) == .personal)
        #expect(!PublicationChoice.publicAnonymous.disclosesAnswer(to: name))
        #expect(PublicationChoice.publicAnonymous.disclosesText(of: view))
        #expect(PublicationChoice.publicAnonymous.disclosesOtherSectorText)
    }

    @Test func confidentialRespondentsAreCountedButNoneOfTheirTextIsShown() {
        #expect(PublicationChoice.confidential.withholding(view) == .confidential)
        #expect(PublicationChoice.confidential.disclosesAnswer(to: view))
        #expect(!PublicationChoice.confidential.disclosesText(of: view))
        #expect(PublicationChoice.confidential.withholding(name) == .personal)
        #expect(!PublicationChoice.confidential.disclosesOtherSectorText)
    }
}
