import Foundation

/// Runs the built `consult` executable as a user would, from the repository's folder.
enum ConsultProcess {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// The `consult` binary beside the test bundle in the build folder.
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("consult").path),
            folder.pathComponents.count > 1
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("consult")
    }

    /// Runs `consult ARGUMENTS…` to the end; output and errors go through files, so neither can block.
    static func run(_ arguments: String...) throws -> Run {
        let process = try start(arguments)
        process.process.waitUntilExit()
        return process.finish()
    }

    /// A running `consult` process whose output is collected in temporary files.
    final class Running {
        let process = Process()
        let outputFile: URL
        let errorFile: URL

        init(_ arguments: [String]) throws {
            let folder = FileManager.default.temporaryDirectory
            outputFile = folder.appendingPathComponent("consult-out-\(UUID().uuidString)")
            errorFile = folder.appendingPathComponent("consult-err-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.executableURL = ConsultProcess.executable
            process.arguments = arguments
            process.currentDirectoryURL = ConsultProcess.repository
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            try process.run()
        }

        func finish() -> Run {
            defer {
                try? FileManager.default.removeItem(at: outputFile)
                try? FileManager.default.removeItem(at: errorFile)
            }
            return Run(
                status: process.terminationStatus,
                output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
                errors: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
        }
    }

    static func start(_ arguments: [String]) throws -> Running {
        try Running(arguments)
    }
}
