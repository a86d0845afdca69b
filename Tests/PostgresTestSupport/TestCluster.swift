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
        // `system` rather than Foundation's Process, whose wait never returned here inside a static's initializer
        // under the test runner; the output goes to files, since the server the script starts would inherit a pipe.
        let printedFile = folder + ".out"
        let complaintFile = folder + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: printedFile)
            try? FileManager.default.removeItem(atPath: complaintFile)
        }
        // The script's watcher removes the cluster should this process die without running its exit handlers.
        let status = system(
            "/bin/bash \(quoted(script)) start \(quoted(folder)) \(getpid()) </dev/null "
                + ">\(quoted(printedFile)) 2>\(quoted(complaintFile))"
        )
        let printed = (try? String(contentsOfFile: printedFile, encoding: .utf8)) ?? ""
        let complaint = (try? String(contentsOfFile: complaintFile, encoding: .utf8)) ?? ""
        directory = folder
        atexit { TestCluster.stop() }
        guard status == 0 else {
            return .failure(TestClusterError(
                message: "Scripts/postgres-cluster.sh start failed (wait status \(status)): \(complaint)"
            ))
        }
        return .success(printed.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Stops the cluster and removes its folder.
    private static func stop() {
        guard let directory else { return }
        _ = system("/bin/bash \(quoted(script)) stop \(quoted(directory)) </dev/null >/dev/null")
    }

    /// `text` as one shell word.
    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// No PostgreSQL server could be had for the tests; the message is the cluster script's.
public struct TestClusterError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
