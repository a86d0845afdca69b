import Foundation

/// The kinds of file a `file` question accepts. An upload's kind is decided from its content
/// (magic bytes and structure), never from its name or its declared media type.
public enum FileKind: String, Sendable, Hashable, CaseIterable, Codable {
    case pdf, docx, odt, text

    /// How pages and the survey format name it to people.
    public var label: String {
        switch self {
        case .pdf: "PDF"
        case .docx: "Word document (DOCX)"
        case .odt: "OpenDocument text (ODT)"
        case .text: "plain text (UTF-8)"
        }
    }

    /// The media type a download of this kind is served with.
    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .text: "text/plain; charset=utf-8"
        }
    }
}

/// The settings of a `file` question: the accepted kinds, the largest file, how many files.
public struct FileRule: Sendable, Hashable {
    public let kinds: [FileKind]
    /// The largest accepted file, in bytes (the definition gives it in MiB).
    public let maxBytes: Int
    public let maxFiles: Int

    public init(kinds: [FileKind], maxBytes: Int, maxFiles: Int) {
        self.kinds = kinds
        self.maxBytes = maxBytes
        self.maxFiles = maxFiles
    }

    /// The most a definition may allow per file (MiB) and per question (files).
    public static let largestMegabytes = 20
    public static let mostFiles = 20
    public static let megabyte = 1 << 20
}

/// One file attached to an answer, as the answers JSON names it. The hash is part of the
/// version's canonical JSON, so the receipt's answers hash covers every file's bytes.
public struct AttachedFile: Sendable, Hashable {
    /// The id the upload returned: random, unguessable.
    public let id: String
    /// Sanitised for display (``DisplayFileName``); never used to decide the kind or a path.
    public let name: String
    public let kind: FileKind
    public let size: Int
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    public let sha256: String

    public init(id: String, name: String, kind: FileKind, size: Int, sha256: String) {
        self.id = id
        self.name = name
        self.kind = kind
        self.size = size
        self.sha256 = sha256
    }

    public var json: JSONValue {
        .object([
            "id": .string(id), "name": .string(name), "kind": .string(kind.rawValue),
            "size": .number(Double(size)), "sha256": .string(sha256),
        ])
    }

    static let members: Set<String> = ["id", "name", "kind", "size", "sha256"]

    /// One element of a file answer, checked against the question's rule.
    static func read(_ value: JSONValue, rule: FileRule) throws(AnswerError) -> AttachedFile {
        guard case .object(let members) = value, Set(members.keys) == Self.members else {
            throw AnswerError(message: "each file is {\"id\", \"name\", \"kind\", \"size\", \"sha256\"} as its upload returned it")
        }
        guard case .string(let id)? = members["id"], (1...64).contains(id.utf8.count),
            id.utf8.allSatisfy({ $0.isASCIIIdentifierByte })
        else { throw AnswerError(message: "a file's \"id\" must be the id its upload returned") }
        guard case .string(let name)? = members["name"], !name.isEmpty, DisplayFileName.sanitised(name) == name else {
            throw AnswerError(message: "a file's \"name\" must be the name its upload returned")
        }
        guard case .string(let kindText)? = members["kind"], let kind = FileKind(rawValue: kindText) else {
            throw AnswerError(message: "a file's \"kind\" must be one of " + FileKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard rule.kinds.contains(kind) else {
            throw AnswerError(message: "this question accepts " + rule.kinds.map(\.label).joined(separator: ", ") + ", not \(kind.label)")
        }
        guard case .number(let size)? = members["size"], size == size.rounded(), size >= 1, size <= Double(rule.maxBytes) else {
            throw AnswerError(message: "a file's \"size\" must be a whole number of bytes from 1 to \(rule.maxBytes)")
        }
        guard case .string(let sha256)? = members["sha256"], sha256.utf8.count == 64,
            sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw AnswerError(message: "a file's \"sha256\" must be 64 lower-case hex digits") }
        return AttachedFile(id: id, name: name, kind: kind, size: Int(size), sha256: sha256)
    }
}

extension UInt8 {
    /// A letter, digit, `-` or `_`.
    var isASCIIIdentifierByte: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || self == 0x2D
            || self == 0x5F
    }
}

/// The rule for the file names people see: an uploaded name is kept for display only, so it is
/// cut to its last path component and stripped of control and formatting characters (NUL,
/// right-to-left overrides, zero-width joiners), which could forge or hide an extension.
public enum DisplayFileName {
    /// The longest name kept, in UTF-8 bytes.
    public static let maximumBytes = 255

    public static func sanitised(_ raw: String) -> String {
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars {
            if scalar.properties.isWhitespace {
                scalars.append(" ")
                continue
            }
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
                continue
            default:
                scalars.append(scalar)
            }
        }
        var name = String(scalars).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        while name.hasPrefix(".") || name.hasPrefix(" ") { name.removeFirst() }
        while name.utf8.count > maximumBytes { name.removeLast() }
        while name.hasSuffix(" ") || name.hasSuffix(".") { name.removeLast() }
        return name.isEmpty ? "file" : name
    }
}

extension Survey {
    /// Whether any question takes files (position papers).
    public var hasFileQuestions: Bool {
        questions.contains { if case .file = $0.kind { true } else { false } }
    }
}

extension AnswerSet {
    /// Every attached file, with its question.
    public var attachedFiles: [(question: QuestionID, file: AttachedFile)] {
        answers.keys.sorted().flatMap { question -> [(question: QuestionID, file: AttachedFile)] in
            guard case .files(let files)? = answers[question] else { return [] }
            return files.map { (question, $0) }
        }
    }
}
