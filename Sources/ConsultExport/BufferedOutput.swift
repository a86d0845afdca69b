import Foundation

/// Bytes on their way to a file, gathered in a large buffer so that exports write in
/// few system calls and hold at most one buffer in memory.
public final class BufferedOutput {
    private let handle: FileHandle
    /// One thread at a time writes a file: no run-time exclusivity checks on this hot buffer (issue 19: exports).
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private let capacity: Int
    /// Bytes handed to this output so far.
    @exclusivity(unchecked) public private(set) var bytesWritten = 0

    public init(handle: FileHandle, capacity: Int = 1 << 20) {
        self.handle = handle
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    /// Creates (or truncates) the file at `path` and writes to it.
    public convenience init(path: String, capacity: Int = 1 << 20) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        self.init(handle: try FileHandle(forWritingTo: URL(fileURLWithPath: path)), capacity: capacity)
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        bytesWritten += bytes.count
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            try handle.write(contentsOf: Data(bytes))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes out what the buffer holds.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    public func close() throws {
        try flush()
        try handle.close()
    }
}

/// One value of an exported table.
public enum Cell: Sendable, Hashable {
    case text(String)
    case integer(Int)
    /// A number shown with at most four decimals (trailing zeros dropped): computed figures.
    case decimal(Double)
    /// A number as given, exactly: the shortest decimal that reads back as the same `Double`,
    /// without an exponent (`-2`, `12.5`, `0.000001`). For answers, which are never rounded.
    case number(Double)
    /// No value.
    case empty

    /// The value as it is written in CSV and XML.
    public var text: String {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .decimal(let value): Self.format(value)
        case .number(let value): Self.exact(value)
        case .empty: ""
        }
    }

    /// `value` in plain decimal notation, digit for digit as Swift's shortest round-trip form gives it.
    static func exact(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let text = abs(value).description  // e.g. 12.5, 1e-06, 1.2345e+20
        let parts = text.split(separator: "e")
        let mantissa = parts[0], exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let digits = mantissa.filter { $0 != "." }
        let point = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count) + exponent
        var plain: String
        if point <= 0 {
            plain = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            plain = digits + String(repeating: "0", count: point - digits.count)
        } else {
            plain = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        if plain.contains(".") {
            while plain.hasSuffix("0") { plain.removeLast() }
            if plain.hasSuffix(".") { plain.removeLast() }
        }
        return (value < 0 ? "-" : "") + plain
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        let rounded = (value * 10_000).rounded() / 10_000
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(format: "%.4f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
