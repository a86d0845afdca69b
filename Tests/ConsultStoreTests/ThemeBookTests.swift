import ConsultCore
import Foundation
import Testing

@testable import ConsultStore

/// The codebook's nesting rule holds when whole branches move.
@Suite struct ThemeBookTests {
    @Test func movingABranchRenumbersItsDepthsAndNeverGoesBeyondThreeLevels() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsultDatabase(path: folder.appendingPathComponent("consult.sqlite").path)
        defer { try? database.close() }
        let book = database.themeBook
        let now = Date(timeIntervalSince1970: 1_760_000_000)
        func make(_ name: String, under parent: Int64? = nil) async throws -> Theme {
            try await book.create(ThemeFields(name: name, colour: "#abcdef", parentID: .some(parent)), in: "s", actor: "analyst:A", at: now)
        }
        let a = try await make("A")
        let b = try await make("B", under: a.id)
        let c = try await make("C", under: b.id)
        let d = try await make("D")
        let e = try await make("E", under: d.id)
        #expect((a.depth, b.depth, c.depth) == (1, 2, 3))
        #expect(a.colour == "#ABCDEF")

        // B with its child C to the top: both rise a level.
        _ = try await book.change(b.id, in: "s", to: ThemeFields(parentID: .some(nil)), actor: "analyst:A", at: now)
        #expect(try await book.theme(b.id, of: "s").depth == 1)
        #expect(try await book.theme(c.id, of: "s").depth == 2)
        // B (two levels) under E (level 2) would put C at level 4: refused, nothing moves.
        await #expect(throws: ThemeRefusal.self) {
            try await book.change(b.id, in: "s", to: ThemeFields(parentID: .some(e.id)), actor: "analyst:A", at: now)
        }
        #expect(try await book.theme(b.id, of: "s").parentID == nil)
        // Under D (level 1) it fits: C goes to level 3.
        _ = try await book.change(b.id, in: "s", to: ThemeFields(parentID: .some(d.id)), actor: "analyst:A", at: now)
        #expect(try await book.theme(c.id, of: "s").depth == 3)
        // Under its own sub-theme: refused.
        await #expect(throws: ThemeRefusal.self) {
            try await book.change(b.id, in: "s", to: ThemeFields(parentID: .some(c.id)), actor: "analyst:A", at: now)
        }
        // Another survey's theme is unknown here.
        await #expect(throws: ThemeRefusal.unknownTheme(a.id)) { try await book.theme(a.id, of: "other") }
        // The list puts parents before children.
        let order = try await book.themes(of: "s").map(\.name)
        #expect(order == ["A", "D", "B", "C", "E"])
        // A retired name is free again at the same place.
        _ = try await book.retire(a.id, in: "s", actor: "analyst:A", at: now)
        #expect(try await make("A").depth == 1)
    }
}
