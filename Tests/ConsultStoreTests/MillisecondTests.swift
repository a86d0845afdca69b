import ConsultCore
import ConsultStore
import Foundation
import SurveyFiles
import Testing

/// Instants are kept in whole milliseconds; one made from whole milliseconds keeps them.
@Suite struct MillisecondTests {
    @Test func everyWholeMillisecondSurvivesTheRoundTripThroughDate() {
        // A stretch of milliseconds around the model deadline and around now, each of them.
        for start: Int64 in [1_762_794_000_000 - 5_000, 1_796_455_000_000 - 5_000] {
            for milliseconds in start..<(start + 10_000) {
                #expect(Date(milliseconds: milliseconds).milliseconds == milliseconds)
            }
        }
    }

    @Test func aParsedDeadlineKeepsItsMillisecond() throws {
        let parsed = try Instant.parse("2026-12-05T07:16:18.068Z")
        #expect(parsed.milliseconds % 1000 == 68)
        #expect(Instant.utcText(parsed.truncatedToMilliseconds) == "2026-12-05T07:16:18.068Z")
        // A receive instant is still cut to its millisecond, never rounded up across it.
        #expect(Date(timeIntervalSince1970: 1_796_455_000.0685).milliseconds == 1_796_455_000_068)
    }

    @Test func aDeadlineMovedToAMillisecondIsStoredAtIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let survey = try SurveyFile.load(path: root.appendingPathComponent("Surveys/neurotech-2025.yaml").path)
        let database = try ConsultDatabase(path: folder.appendingPathComponent("consult.sqlite").path)
        defer { try? database.close() }
        var wrong: [String] = []
        for millisecond in 0..<1000 {
            let text = String(format: "2025-11-12T17:00:00.%03dZ", millisecond)
            _ = try await database.moveDeadline(
                of: survey, to: try Instant.parse(text), actor: "test", reason: "ms", at: Date(timeIntervalSince1970: 1_760_000_000))
            let stored = Instant.utcText(try await database.window(of: survey).closesAt)
            if stored != text { wrong.append("\(text) → \(stored)") }
        }
        #expect(wrong == [])
    }
}
