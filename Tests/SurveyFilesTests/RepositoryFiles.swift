import Foundation

/// Paths of files in this repository, for tests that read the shipped surveys and fixtures.
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The `.yaml` files of a folder, sorted by name.
    static func yamlFiles(in relativeFolder: String) -> [String] {
        let folder = path(relativeFolder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }
}
