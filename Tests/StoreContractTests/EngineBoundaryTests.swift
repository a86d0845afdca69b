import Foundation
import Testing

/// The server and the exports work with ``ConsultStorage`` only: no type of an engine (the SQLite
/// store's `ConsultDatabase`, GRDB) is named in their sources, so a second engine can stand behind them.
@Suite struct EngineBoundaryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The lines of every Swift file under `module` that name an engine type.
    static func engineNames(in module: String, allowing allowed: Set<String> = []) throws -> [String] {
        let folder = root.appendingPathComponent("Sources/\(module)")
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(!files.isEmpty, "no sources found under \(folder.path)")
        return try files.filter { !allowed.contains($0.lastPathComponent) }.flatMap { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").enumerated()
                .filter { _, line in
                    !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                        && (line.contains("ConsultDatabase") || line.contains("import GRDB") || line.contains("PostgresNIO"))
                }
                .map { "\(file.lastPathComponent):\($0.offset + 1): \($0.element)" }
        }
    }

    @Test func theServerAndTheExportsNameNoEngineType() throws {
        #expect(try Self.engineNames(in: "ConsultServer") == [])
        #expect(try Self.engineNames(in: "ConsultExport") == [])
    }

    /// The command line opens the engine in one place; `consult backup` is SQLite's own.
    @Test func theCommandLineOpensTheEngineInOnePlace() throws {
        #expect(try Self.engineNames(in: "ConsultCLI", allowing: ["SharedOptions.swift", "BackupCommand.swift"]) == [])
    }
}
