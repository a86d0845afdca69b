import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server of this test process: the one `CONSULT_TEST_POSTGRES_URL` names, or one throw-away cluster
/// made by `Scripts/postgres-cluster.sh` on first use and removed when the process exits.
enum TestCluster {
    /// The server's URL (a user allowed to create databases), or why no server could be had.
    static let serverURL: Result<String, TestClusterError> = start()

    /// The cluster's folder, for the exit handler; written once inside `start()`, which Swift runs exactly once
    /// (a static `let`'s initializer), before the handler that reads it is registered.
    nonisolated(unsafe) private static var directory: String?

    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/postgres-cluster.sh").path

    private static func start() -> Result<String, TestClusterError> {
        if let given = ProcessInfo.processInfo.environment["CONSULT_TEST_POSTGRES_URL"], !given.isEmpty {
            return .success(given)
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("consult-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "start", folder]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(TestClusterError(message: "cannot run \(script): \(error)"))
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        directory = folder
        atexit { TestCluster.stop() }
        guard process.terminationStatus == 0 else {
            return .failure(TestClusterError(
                message: "Scripts/postgres-cluster.sh start failed (exit \(process.terminationStatus)): \(complaint)"
            ))
        }
        return .success(printed.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Stops the cluster and removes its folder; `system` rather than Foundation's Process, which is not
    /// dependable while the process exits.
    private static func stop() {
        guard let directory else { return }
        _ = system("/bin/bash '\(script)' stop '\(directory)' >/dev/null")
    }
}

/// No PostgreSQL server could be had for the tests; the message is the cluster script's.
public struct TestClusterError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
