import Foundation
import Testing

/// `consult serve`'s connection limits: invalid values stop the start with a message naming the option.
@Suite struct ServeLimitsTests {
    @Test func invalidConnectionLimitsAreRefusedBeforeAnythingOpens() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("consult-\(UUID().uuidString).sqlite").path
        for (option, value) in [
            ("--header-timeout", "0"), ("--body-timeout", "-1"), ("--idle-timeout", "3601"), ("--max-connections", "0"),
        ] {
            let run = try ConsultProcess.run("serve", "--db", db, "--port", "0", option, value)
            #expect(run.status != 0, "\(option) \(value)")
            #expect(run.errors.contains(option), "\(option): \(run.errors)")
            #expect(!FileManager.default.fileExists(atPath: db))
        }
    }
}
