import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

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

    /// ``run(_:)`` from an async test: waits on a thread of GCD's, not on one of Swift's few cooperative
    /// threads (`waitUntilExit` blocks its thread, and tests holding them all would stall each other).
    static func awaitRun(_ arguments: String...) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try start(arguments)
                    process.process.waitUntilExit()
                    return process.finish()
                })
            }
        }
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

    /// A loopback port the system has just handed out and that nobody listens on.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits, at most 10 s, until the server on `port` answers `/healthz` with its status ok.
    static func waitUntilHealthy(port: Int) async throws -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/healthz") else { return false }
        for _ in 0..<100 {
            if let (data, _) = try? await URLSession.shared.data(from: url),
                String(decoding: data, as: UTF8.self).contains("\"status\":\"ok\"")
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
