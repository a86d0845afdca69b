import ConsultExport
import ConsultStore
import Foundation
import Hummingbird
import NIOCore

/// One export a client can download: what, in which format, and the name its file gets.
struct ExportDownload: Sendable {
    let content: ExportContent
    let format: ExportFormat
    /// The one analysis table of a table's CSV; nil for the whole analysis or the raw responses.
    let table: String?

    init(_ content: ExportContent, _ format: ExportFormat, table: String? = nil) {
        self.content = content
        self.format = format
        self.table = table
    }

    /// `responses.csv`, `analysis.zip`, `choices.csv`: the name the exporter gives the file.
    var fileName: String {
        // refiqda: REFI-QDA files are named by what they hold, whatever the content.
        if format == .qdc { return "codebook.qdc" }
        if format == .qdpx { return "project.qdpx" }
        // Position papers (extract).
        if format == .attachments { return "attachments.zip" }
        return table.map { "\($0).csv" } ?? "\(content == .raw ? "responses" : "analysis").\(format.rawValue)"
    }

    /// How the audit log names it: the file, under `analysis/` for one table.
    var auditName: String {
        table.map { "analysis/\($0).csv" } ?? fileName
    }

    var mediaType: String {
        switch format {
        case .csv: "text/csv; charset=utf-8"
        case .xml: "application/xml"
        case .zip: "application/zip"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .sav: "application/x-spss-sav"
        case .dta: "application/x-stata-dta"
        case .qdc: "application/xml"
        case .qdpx: "application/zip"
        case .attachments: "application/zip"
        }
    }
}

/// An export that exists only as an open file handle. It is written in a private folder (mode 0700)
/// that is deleted as soon as the file is open, so no export outlives its request on disk: not when
/// the client sent `HEAD`, nor when it went away mid-download, nor when writing failed.
struct UnlinkedExportFile: Sendable {
    let handle: FileHandle
    let size: Int

    /// Runs `produce` on a new private folder inside `root`, opens the first file it returns with
    /// mode 0600, and removes the folder, whatever happened.
    static func write(in root: URL, _ produce: (URL) async throws -> [URL]) async throws -> UnlinkedExportFile {
        let folder = root.appendingPathComponent("consult-export-\(Secret.newID())", isDirectory: true)
        guard mkdir(folder.path, 0o700) == 0 else { throw Self.systemError(folder) }
        defer { try? FileManager.default.removeItem(at: folder) }
        guard let file = try await produce(folder).first else { throw Problem.notFound("The export produced no file.") }
        let handle = try FileHandle(forReadingFrom: file)
        var status = stat()
        guard fchmod(handle.fileDescriptor, 0o600) == 0, fstat(handle.fileDescriptor, &status) == 0 else {
            throw Self.systemError(file)
        }
        return UnlinkedExportFile(handle: handle, size: Int(status.st_size))
    }

    /// Streams the file in 1 MiB chunks and closes it; if the body is never sent, the handle closes when dropped.
    var responseBody: ResponseBody {
        ResponseBody(contentLength: size) { [handle] writer in
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(data: chunk))
            }
            try await writer.finish(nil)
        }
    }

    private static func systemError(_ url: URL) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [
            NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO),
        ])
    }
}

extension HTTPFields {
    /// `Cache-Control: no-store`, for responses that carry secrets or personal data.
    static let notStored: HTTPFields = [.cacheControl: "no-store"]
}
