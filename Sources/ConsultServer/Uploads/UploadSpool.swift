import ConsultCore
import Crypto
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One upload on its way in: written to a spool file as it arrives (so memory stays flat),
/// hashed and checked for plain text on the way, and refused as soon as it passes its size limit.
///
/// The spool file is unlinked as soon as it is created: only this open descriptor reaches it,
/// so a kill at any moment leaves no file behind, and nothing else can read or swap it.
final class UploadSpool: @unchecked Sendable {
    let limit: Int
    private(set) var size = 0
    private var hasher = SHA256()
    private var text = TextCheck()
    private let descriptor: Int32

    init(folder: URL, limit: Int) throws {
        self.limit = limit
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("upload-\(UUID().uuidString)").path
        descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Problem.unavailable }
        unlink(path)
    }

    deinit { close(descriptor) }

    /// Appends a piece of the upload; a 413 problem the moment the limit is passed.
    func append(_ buffer: ByteBuffer) throws {
        guard buffer.readableBytes <= limit - size else { throw Problem.fileTooLarge(limit: limit) }
        try buffer.withUnsafeReadableBytes { raw in
            hasher.update(bufferPointer: raw)
            text.feed(raw)
            var done = 0
            while done < raw.count {
                let written = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(size + done))
                guard written > 0 else { throw Problem.unavailable }
                done += written
            }
        }
        size += buffer.readableBytes
    }

    /// SHA-256 of everything appended, once the upload is complete.
    private(set) lazy var sha256: Data = Data(hasher.finalize())

    /// Whether the bytes are UTF-8 text without NUL or other control characters (tab, line breaks and form feed allowed).
    var isPlainText: Bool { text.isValid && text.isComplete }

    /// `count` bytes from `offset` (fewer at the end).
    func read(_ offset: Int, _ count: Int) throws -> Data {
        var data = Data(count: count)
        let got = data.withUnsafeMutableBytes { raw in pread(descriptor, raw.baseAddress!, count, off_t(offset)) }
        guard got >= 0 else { throw Problem.unavailable }
        return data.prefix(got)
    }
}

/// A strict, incremental UTF-8 check (no overlong forms, no surrogates), refusing NUL and control characters.
struct TextCheck {
    private var need = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    private(set) var isValid = true
    var isComplete: Bool { need == 0 }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard isValid else { return }
        for byte in bytes where !accept(byte) {
            isValid = false
            return
        }
    }

    private mutating func accept(_ byte: UInt8) -> Bool {
        if need > 0 {
            guard byte >= lower && byte <= upper else { return false }
            lower = 0x80
            upper = 0xBF
            need -= 1
            return true
        }
        switch byte {
        case 0x09, 0x0A, 0x0C, 0x0D, 0x20...0x7E: return true
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: return false
        }
        return true
    }
}

extension Problem {
    /// An upload larger than its question allows: refused while it was read; nothing was stored.
    static func fileTooLarge(limit: Int) -> Problem {
        Problem(
            "file-too-large", status: .contentTooLarge, title: "The file is too large",
            detail: "Files of at most \(limit) bytes (\(limit / FileRule.megabyte) MiB) are accepted here; "
                + "the upload was refused as soon as it passed that size. Nothing was stored.")
    }

    /// An upload whose content is none of the question's kinds, whatever its name says.
    static func fileKind(accepted: [FileKind]) -> Problem {
        Problem(
            "file-kind", status: .unsupportedMediaType, title: "The file is not of an accepted kind",
            detail: "This question accepts " + accepted.map(\.label).joined(separator: ", ")
                + "; the kind is read from the file's content, not from its name. Nothing was stored.")
    }

    static let emptyFile = Problem(
        "empty-file", status: .unprocessableContent, title: "The file is empty",
        detail: "An empty file cannot be attached. Nothing was stored.")
}
