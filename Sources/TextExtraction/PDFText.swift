import Foundation

/// A PDF's text by `pdftotext` (poppler-utils), run as a limited subprocess on a private copy
/// of the file: a PDF crafted to make it run for ever or write gigabytes is killed and recorded
/// as a failure.
struct PDFText {
    let pdftotext: String
    let limits: ExtractionLimits
    let scratchFolder: URL

    /// How the private copies are named, so that leftovers can be found.
    static let scratchPrefix = "consult-pdf-"

    func extract(_ content: Data) throws -> ExtractedText {
        let file = scratchFolder.appendingPathComponent("\(Self.scratchPrefix)\(UUID().uuidString).pdf")
        guard FileManager.default.createFile(atPath: file.path, contents: content, attributes: [.posixPermissions: 0o600]) else {
            throw ExtractionFailure("The PDF could not be written to a scratch file for pdftotext.")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = LimitedProcess(
            executable: pdftotext, arguments: ["-q", "-enc", "UTF-8", "-eol", "unix", file.path, "-"],
            seconds: limits.seconds, cpuSeconds: limits.cpuSeconds, memoryBytes: limits.memoryBytes,
            outputBytes: limits.textBytes)
        let result: LimitedProcess.Result
        do {
            result = try process.run()
        } catch {
            throw ExtractionFailure("pdftotext could not be started (\(error.localizedDescription)).")
        }
        switch result.ending {
        case .exited(0): break
        case .exited(let status):
            throw ExtractionFailure("pdftotext could not read the PDF (exit status \(status)).")
        case .signalled(let signal):
            throw ExtractionFailure(
                signal == SIGXCPU || signal == SIGKILL
                    ? "pdftotext used more than \(limits.cpuSeconds) s of CPU time and was stopped."
                    : "pdftotext ended on signal \(signal) (it may have needed more than \(ByteText.describe(limits.memoryBytes)) of memory).")
        case .timedOut:
            throw ExtractionFailure("pdftotext ran longer than \(Self.seconds(limits.seconds)) and was stopped.")
        case .outputTooLarge:
            throw ExtractionFailure("pdftotext wrote more than \(ByteText.describe(limits.textBytes)) of text and was stopped.")
        }
        let raw = String(decoding: result.output, as: UTF8.self)
        // pdftotext ends every page with a form feed.
        let pages = raw.utf8.reduce(0) { $0 + ($1 == 0x0C ? 1 : 0) }
        return ExtractedText(text: TextCleaning.clean(raw).trimmingCharacters(in: .whitespacesAndNewlines), pages: pages)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
