import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// One file chosen in a form's file input, spooled.
struct FormUpload {
    let field: String
    let fileName: String
    let spool: UploadSpool
}

/// A `multipart/form-data` form read as it streams in (vapor/multipart-kit's parser): text
/// fields kept (at most ``maximumBodySize`` bytes in all), files written to spools as their
/// bytes arrive, each refused as soon as it passes the limit its field allows.
struct MultipartFormReader {
    let spoolFolder: URL
    /// The byte limit of files in each file field; a file in another field is refused.
    let fileLimits: [String: Int]
    /// The most files one form may carry.
    let maximumFiles: Int

    static let maximumParts = 500
    static let maximumHeaderBytes = 8 * 1024

    /// Whether a request's body is a multipart form.
    static func isMultipart(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    func read(_ request: Request) async throws -> (fields: FormFields, uploads: [FormUpload]) {
        guard let boundary = Self.boundary(request.headers[.contentType] ?? "") else {
            throw Problem.badRequest("A multipart form needs a boundary of 1 to 70 characters.")
        }
        let parser = MultipartParser(boundary: boundary)
        let state = State(reader: self)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.complete() }
        do {
            for try await buffer in request.body {
                try parser.execute(buffer)
                if let failure = state.failure { throw failure }
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.badRequest("The form could not be read: it ended early or is not well-formed multipart. Nothing was stored.")
        }
        guard !state.inPart, state.parts > 0 else {
            throw Problem.badRequest("The form ended early: its last part is not closed. Nothing was stored.")
        }
        return (FormFields(state.fields), state.uploads)
    }

    /// The `boundary` parameter of a multipart Content-Type.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// The parser's callbacks cannot throw: the first failure is kept and thrown after the piece.
    private final class State {
        let reader: MultipartFormReader
        var fields: [(name: String, value: String)] = []
        var uploads: [FormUpload] = []
        var failure: Problem?
        var parts = 0
        var inPart = false
        var textBytes = 0
        var headerBytes = 0
        var disposition: String?
        var text: [UInt8]?
        var spool: UploadSpool?
        var skipping = false

        init(reader: MultipartFormReader) {
            self.reader = reader
        }

        func header(_ name: String, _ value: String) {
            if !inPart { start() }
            headerBytes += name.utf8.count + value.utf8.count
            if headerBytes > MultipartFormReader.maximumHeaderBytes {
                fail(Problem.badRequest("A part of the form has too many headers."))
            }
            if name.lowercased() == "content-disposition" { disposition = value }
        }

        func body(_ buffer: inout ByteBuffer) {
            if !inPart { start() }
            guard failure == nil else { return }
            if text == nil && spool == nil && !skipping { open() }
            guard failure == nil else { return }
            if let spool {
                do { try spool.append(buffer) } catch let problem as Problem { fail(problem) } catch { fail(.unavailable) }
            } else if text != nil {
                textBytes += buffer.readableBytes
                guard textBytes <= maximumBodySize else {
                    return fail(Problem(
                        "payload-too-large", status: .contentTooLarge, title: "The request body is too large",
                        detail: "The form's fields may take at most \(maximumBodySize) bytes."))
                }
                text?.append(contentsOf: buffer.readableBytesView)
            }
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }

        func complete() {
            if !inPart { start() }
            if text == nil && spool == nil && !skipping { open() }
            guard failure == nil else { return }
            let (name, fileName) = Self.names(disposition)
            if let spool, let name {
                // A file input left empty sends an empty part without a name: nothing was chosen.
                if !(spool.size == 0 && (fileName ?? "").isEmpty) {
                    uploads.append(FormUpload(field: name, fileName: fileName ?? "", spool: spool))
                }
            } else if let text, let name {
                guard let value = String(validating: text, as: UTF8.self) else {
                    return fail(Problem.badRequest("The form is not valid UTF-8."))
                }
                fields.append((name, value))
            }
            inPart = false
        }

        private func start() {
            inPart = true
            parts += 1
            headerBytes = 0
            disposition = nil
            text = nil
            spool = nil
            skipping = false
            if parts > MultipartFormReader.maximumParts { fail(Problem.badRequest("The form has too many parts.")) }
        }

        /// Decides at a part's first byte whether it is a text field or a file.
        private func open() {
            let (name, fileName) = Self.names(disposition)
            guard let name else { return fail(Problem.badRequest("A part of the form has no name.")) }
            guard fileName != nil else {
                text = []
                return
            }
            guard let limit = reader.fileLimits[name] else {
                return fail(Problem.badRequest("The form's field \"\(name)\" does not take files."))
            }
            guard uploads.count < reader.maximumFiles else {
                return fail(Problem.badRequest("The form carries more files than its questions take (\(reader.maximumFiles))."))
            }
            do { spool = try UploadSpool(folder: reader.spoolFolder, limit: limit) } catch { fail(.unavailable) }
        }

        private func fail(_ problem: Problem) {
            if failure == nil { failure = problem }
            skipping = true
        }

        /// `name` and `filename` of `form-data; name="…"; filename="…"` (`filename*=UTF-8''…` preferred).
        static func names(_ disposition: String?) -> (name: String?, fileName: String?) {
            guard let disposition else { return (nil, nil) }
            var parameters: [String: String] = [:]
            var rest = Substring(disposition)
            while let semicolon = rest.firstIndex(of: ";") {
                rest = rest[rest.index(after: semicolon)...].drop(while: { $0 == " " || $0 == "\t" })
                guard let equals = rest.firstIndex(of: "=") else { break }
                let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                rest = rest[rest.index(after: equals)...]
                var value = ""
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    var escaped = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if escaped { value.append(character); escaped = false }
                        else if character == "\\" { escaped = true }
                        else if character == "\"" { break }
                        else { value.append(character) }
                    }
                } else {
                    let end = rest.firstIndex(of: ";") ?? rest.endIndex
                    value = rest[..<end].trimmingCharacters(in: .whitespaces)
                    rest = rest[end...]
                }
                parameters[key] = value
            }
            var fileName = parameters["filename"]
            if let extended = parameters["filename*"], let quote = extended.range(of: "''"),
                let decoded = extended[quote.upperBound...].removingPercentEncoding
            {
                fileName = decoded
            }
            return (parameters["name"], fileName)
        }
    }
}
