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
            if process.isRunning, state.mark(.timedOut) { kill(pid, SIGKILL) }
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
        private(set) var reason: Ending? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
        private var stored: Ending?

        /// Records `reason` if none was, and says whether this call did.
        func mark(_ reason: Ending) -> Bool {
            lock.withLock {
                guard stored == nil else { return false }
                stored = reason
                return true
            }
        }
    }
}
