// refiqda: a ZIP writer for archives of very many entries (a project's sources).
import Foundation
import ZIPFoundation

/// Writes a ZIP archive (deflate, ZIP64 when needed) entry after entry, in one pass.
///
/// ZIPFoundation's `Archive` rewrites the whole central directory on every added entry, which
/// costs the square of the entry count: fine for a few CSV files, hopeless for a million sources.
/// This writer appends each entry once and spills the central directory to a side file, so time
/// grows with the data and memory stays flat; ZIPFoundation still does the deflating and CRC-32.
final class StreamingZipWriter {
    private let output: BufferedOutput
    private let directoryURL: URL
    private let directory: BufferedOutput
    private var offset: UInt64 = 0
    private var entries: UInt64 = 0
    private let dosTime: UInt16
    private let dosDate: UInt16

    init(path: String, modified: Date) throws {
        output = try BufferedOutput(path: path)
        directoryURL = URL(fileURLWithPath: path + ".directory")
        directory = try BufferedOutput(path: directoryURL.path)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        dosTime = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        dosDate = UInt16(max(0, (parts.year ?? 1980) - 1980) << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
    }

    deinit {
        try? FileManager.default.removeItem(at: directoryURL)
    }

    /// Adds an entry whose bytes are in memory.
    func add(name: String, data: Data) throws {
        var compressed = Data()
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 1 << 16, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { compressed.append($0) })
        try writeEntry(name: name, crc: crc, size: UInt64(data.count), compressedSize: UInt64(compressed.count)) {
            try compressed.withUnsafeBytes { try output.write($0) }
        }
    }

    /// Adds an entry from a file, streamed: compressed first into a side file, since the local
    /// header that precedes the data holds its sizes.
    func add(name: String, file: URL) throws {
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        let packedURL = URL(fileURLWithPath: file.path + ".deflated")
        defer { try? FileManager.default.removeItem(at: packedURL) }
        let source = try FileHandle(forReadingFrom: file)
        defer { try? source.close() }
        let packed = try BufferedOutput(path: packedURL.path)
        let crc = try Data.compress(size: Int64(size), bufferSize: 1 << 18, provider: { _, size in
            try source.read(upToCount: size) ?? Data()
        }, consumer: { data in try data.withUnsafeBytes { try packed.write($0) } })
        try packed.close()
        let compressedSize = try FileManager.default.attributesOfItem(atPath: packedURL.path)[.size] as? Int ?? 0
        try writeEntry(name: name, crc: crc, size: UInt64(size), compressedSize: UInt64(compressedSize)) {
            try Self.copy(packedURL, to: output)
        }
    }

    /// Writes the central directory and the end records, and closes the archive.
    func finish() throws {
        try directory.close()
        let start = offset
        let size = UInt64(directory.bytesWritten)
        try Self.copy(directoryURL, to: output)
        let end = start + size
        if entries >= 0xFFFF || start >= 0xFFFF_FFFF || size >= 0xFFFF_FFFF {
            var record = Bytes()
            record.u32(0x0606_4b50); record.u64(44); record.u16(45); record.u16(45); record.u32(0); record.u32(0)
            record.u64(entries); record.u64(entries); record.u64(size); record.u64(start)
            record.u32(0x0706_4b50); record.u32(0); record.u64(end); record.u32(1)
            try write(record)
        }
        var record = Bytes()
        record.u32(0x0605_4b50); record.u16(0); record.u16(0)
        record.u16(UInt16(min(entries, 0xFFFF))); record.u16(UInt16(min(entries, 0xFFFF)))
        record.u32(UInt32(min(size, 0xFFFF_FFFF))); record.u32(UInt32(min(start, 0xFFFF_FFFF))); record.u16(0)
        try write(record)
        try output.close()
    }

    private func writeEntry(name: String, crc: UInt32, size: UInt64, compressedSize: UInt64, data: () throws -> Void) throws {
        let nameBytes = Array(name.utf8)
        let headerOffset = offset
        let large = size >= 0xFFFF_FFFF || compressedSize >= 0xFFFF_FFFF
        var local = Bytes()
        local.u32(0x0403_4b50); local.u16(large ? 45 : 20); local.u16(1 << 11); local.u16(8)
        local.u16(dosTime); local.u16(dosDate); local.u32(crc)
        local.u32(large ? 0xFFFF_FFFF : UInt32(compressedSize)); local.u32(large ? 0xFFFF_FFFF : UInt32(size))
        local.u16(UInt16(nameBytes.count)); local.u16(large ? 20 : 0)
        local.bytes += nameBytes
        if large { local.u16(1); local.u16(16); local.u64(size); local.u64(compressedSize) }
        try write(local)
        try data()
        offset += compressedSize
        entries += 1

        // Central directory record, with a ZIP64 field for whatever does not fit in 32 bits.
        var extra = Bytes()
        if size >= 0xFFFF_FFFF { extra.u64(size) }
        if compressedSize >= 0xFFFF_FFFF { extra.u64(compressedSize) }
        if headerOffset >= 0xFFFF_FFFF { extra.u64(headerOffset) }
        var central = Bytes()
        central.u32(0x0201_4b50); central.u16(0x0314); central.u16(extra.bytes.isEmpty ? 20 : 45); central.u16(1 << 11)
        central.u16(8); central.u16(dosTime); central.u16(dosDate); central.u32(crc)
        central.u32(UInt32(min(compressedSize, 0xFFFF_FFFF))); central.u32(UInt32(min(size, 0xFFFF_FFFF)))
        central.u16(UInt16(nameBytes.count)); central.u16(extra.bytes.isEmpty ? 0 : UInt16(4 + extra.bytes.count))
        central.u16(0); central.u16(0); central.u16(0); central.u32(0o100644 << 16)
        central.u32(UInt32(min(headerOffset, 0xFFFF_FFFF)))
        central.bytes += nameBytes
        if !extra.bytes.isEmpty { central.u16(1); central.u16(UInt16(extra.bytes.count)); central.bytes += extra.bytes }
        try central.bytes.withUnsafeBytes { try directory.write($0) }
    }

    private func write(_ record: Bytes) throws {
        try record.bytes.withUnsafeBytes { try output.write($0) }
        offset += UInt64(record.bytes.count)
    }

    private static func copy(_ file: URL, to output: BufferedOutput) throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try output.write($0) }
        }
    }

    /// Little-endian fields of a ZIP record.
    private struct Bytes {
        var bytes: [UInt8] = []
        mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
        mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((value >> UInt64(shift)) & 0xFF)) } }
    }
}
