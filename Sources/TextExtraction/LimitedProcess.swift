import Foundation

/// Runs a program under resource limits (`prlimit`: address space, CPU time, no file writes,
/// few open files), kills it when it runs past a wall-clock time or writes more than a number
/// of bytes to standard output, and returns what it wrote.
struct LimitedProcess {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Killed for running past the wall-clock limit.
        case timedOut
        /// Killed for writing more than the output limit.
        case outputTooLarge
    }

    struct Result {
        let output: Data
        let ending: Ending
    }

    let executable: String
    let arguments: [String]
    let seconds: Double
    let cpuSeconds: Int
    let memoryBytes: Int
    let outputBytes: Int

    /// The `prlimit` program, part of util-linux on every Debian system.
    static let prlimit = "/usr/bin/prlimit"

    func run() throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.prlimit)
        process.arguments = [
            "--as=\(memoryBytes)", "--cpu=\(cpuSeconds)", "--fsize=0", "--nofile=32", "--core=0", "--", executable,
        ] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let state = KillState()
        let timer = DispatchWorkItem {
            if state.mark(.timedOut) { kill(pid, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: timer)
        var output = Data()
        let reader = stdout.fileHandleForReading
        while let chunk = try? reader.read(upToCount: 1 << 16), !chunk.isEmpty {
            if output.count + chunk.count > outputBytes {
                if state.mark(.outputTooLarge) { kill(pid, SIGKILL) }
                break
            }
            output.append(chunk)
        }
        try? reader.close()
        process.waitUntilExit()
        state.finish()
        timer.cancel()
        if let killed = state.reason { return Result(output: output, ending: killed) }
        switch process.terminationReason {
        case .exit: return Result(output: output, ending: .exited(process.terminationStatus))
        case .uncaughtSignal: return Result(output: output, ending: .signalled(process.terminationStatus))
        @unknown default: return Result(output: output, ending: .exited(process.terminationStatus))
        }
    }

    /// The first reason the process was killed for; later ones are ignored.
    private final class KillState: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Ending?
        private var finished = false

        var reason: Ending? {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }

        /// Records `reason` if none was and the process has not been reaped, and says whether this call did.
        func mark(_ reason: Ending) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard stored == nil, !finished else { return false }
            stored = reason
            return true
        }

        /// The process was reaped: its pid may be reused, so nothing may kill it any more.
        func finish() {
            lock.lock()
            defer { lock.unlock() }
            finished = true
        }
    }
}
