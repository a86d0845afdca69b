import ConsultCore
import Testing

/// One rule for the reason of an audited change, wherever it is typed.
@Suite struct AuditReasonTests {
    @Test func keepsTheTrimmedText() throws {
        #expect(try AuditReason("  Extended for member states \n").text == "Extended for member states")
        #expect(try AuditReason(String(repeating: "é", count: 1000)).text.count == 1000)
    }

    @Test(arguments: [
        ("", "say why: a reason is required"),
        (" \n\t", "say why: a reason is required"),
        (String(repeating: "x", count: 1001), "the reason is longer than 1000 characters"),
        ("before\u{0}after", "the reason holds a NUL character (U+0000); remove it"),
    ])
    func refusesWhatTheAuditLogCannotKeep(raw: String, message: String) {
        #expect(throws: AuditReason.Invalid(message: message)) { try AuditReason(raw) }
    }
}
