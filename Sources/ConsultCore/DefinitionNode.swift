/// A place in a definition file: 1-based line and column, as editors show them.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A survey definition as read from a file, before it is checked: a tree of
/// mappings, lists and text values that remembers where each one was written.
///
/// File readers (YAML today) produce it; ``SurveyDecoder`` turns it into a ``Survey``.
/// Keeping the tree here lets the domain check definitions without knowing the file format.
public indirect enum DefinitionNode: Sendable, Hashable {
    /// A text value. `isPlain` is false when the author quoted it, so `"12"` stays text.
    case scalar(String, isPlain: Bool, at: SourceLocation)
    /// Keys and values in the order written; duplicate keys are kept so they can be reported.
    case mapping([Entry], at: SourceLocation)
    case sequence([DefinitionNode], at: SourceLocation)

    /// One `key: value` pair of a mapping.
    public struct Entry: Sendable, Hashable {
        public let key: String
        public let keyLocation: SourceLocation
        public let value: DefinitionNode

        public init(key: String, keyLocation: SourceLocation, value: DefinitionNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let location), .mapping(_, let location), .sequence(_, let location):
            location
        }
    }

    /// True for an empty plain value (`key:`), `~` or `null`: the author wrote nothing.
    var isNull: Bool {
        guard case .scalar(let text, true, _) = self else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// How the node reads in a message: "a list", "a mapping", or the quoted text.
    var kindDescription: String {
        switch self {
        case .scalar: isNull ? "nothing" : "a single value"
        case .mapping: "a mapping of keys"
        case .sequence: "a list"
        }
    }
}
