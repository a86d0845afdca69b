import ConsultCore
import Foundation

/// Decides an upload's kind from its content alone — magic bytes and structure — never from
/// its name or declared type. It reads only bounded pieces of the spool (the head, the tail and
/// a ZIP's central directory), so a hostile file costs little whatever its size.
enum FileKindSniffer {
    /// The central directory read at most, and the most entries looked at.
    static let directoryLimit = 4 << 20
    static let entryLimit = 10_000
    static let odtMediaType = "application/vnd.oasis.opendocument.text"

    static func kind(of spool: UploadSpool) throws -> FileKind? {
        guard spool.size > 0 else { return nil }
        let head = try spool.read(0, min(spool.size, 1024))
        if head.starts(with: Array("%PDF-".utf8)) { return try isPDF(spool, head: head) ? .pdf : nil }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try zipKind(spool) }
        return spool.isPlainText ? .text : nil
    }

    /// `%PDF-d.d` first, `startxref` and `%%EOF` in the last kilobyte.
    private static func isPDF(_ spool: UploadSpool, head: Data) throws -> Bool {
        let version = Array(head.prefix(8))
        guard version.count == 8, (0x31...0x32).contains(version[5]), version[6] == 0x2E, (0x30...0x39).contains(version[7])
        else { return false }
        let tail = try spool.read(max(0, spool.size - 1024), min(spool.size, 1024))
        return tail.range(of: Data("startxref".utf8)) != nil && tail.range(of: Data("%%EOF".utf8)) != nil
    }

    /// A DOCX has `[Content_Types].xml` and `word/document.xml`; an ODT starts with its stored
    /// `mimetype` entry naming OpenDocument text, and has `content.xml`.
    private static func zipKind(_ spool: UploadSpool) throws -> FileKind? {
        guard let names = try centralDirectoryNames(spool) else { return nil }
        if names.contains("[Content_Types].xml") && names.contains("word/document.xml") { return .docx }
        if names.contains("content.xml"), try firstEntryIsODTMediaType(spool) { return .odt }
        return nil
    }

    private static func centralDirectoryNames(_ spool: UploadSpool) throws -> Set<String>? {
        let tailLength = min(spool.size, 22 + 65_535)
        let tailStart = spool.size - tailLength
        let tail = [UInt8](try spool.read(tailStart, tailLength))
        guard tail.count >= 22 else { return nil }
        var end = tail.count - 22
        while end >= 0 && !(tail[end] == 0x50 && tail[end + 1] == 0x4B && tail[end + 2] == 0x05 && tail[end + 3] == 0x06) {
            end -= 1
        }
        guard end >= 0 else { return nil }
        let entries = Int(le16(tail, end + 10))
        let directorySize = Int(le32(tail, end + 12))
        let directoryOffset = Int(le32(tail, end + 16))
        guard entries <= entryLimit, directorySize <= directoryLimit, directoryOffset + directorySize <= tailStart + end
        else { return nil }
        let directory = [UInt8](try spool.read(directoryOffset, directorySize))
        guard directory.count == directorySize else { return nil }
        var names = Set<String>()
        var at = 0
        for _ in 0..<entries {
            guard at + 46 <= directory.count, le32(directory, at) == 0x0201_4B50 else { return nil }
            let nameLength = Int(le16(directory, at + 28))
            let skip = Int(le16(directory, at + 30)) + Int(le16(directory, at + 32))
            guard at + 46 + nameLength + skip <= directory.count else { return nil }
            names.insert(String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self))
            at += 46 + nameLength + skip
        }
        return names
    }

    private static func firstEntryIsODTMediaType(_ spool: UploadSpool) throws -> Bool {
        let header = [UInt8](try spool.read(0, 30 + 8 + 255))
        guard header.count >= 38, le16(header, 8) == 0 else { return false }
        let nameLength = Int(le16(header, 26))
        let extraLength = Int(le16(header, 28))
        guard nameLength == 8, String(decoding: header[30..<38], as: UTF8.self) == "mimetype",
            Int(le32(header, 18)) == odtMediaType.utf8.count
        else { return false }
        let content = try spool.read(30 + nameLength + extraLength, odtMediaType.utf8.count)
        return content == Data(odtMediaType.utf8)
    }

    private static func le16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
