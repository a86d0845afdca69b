/// Where a value sits inside a definition, written as `sections[1].questions[3].show_if`
/// (list indexes start at 0).
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component]

    /// The definition itself.
    public static let root = FieldPath(components: [])

    public func appending(_ key: String) -> FieldPath {
        FieldPath(components: components + [.key(key)])
    }

    public func appending(index: Int) -> FieldPath {
        FieldPath(components: components + [.index(index)])
    }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }
}

/// One thing wrong with a survey definition, with where it was written.
public struct DefinitionProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where in the file; nil only when the file could not be read at all.
    public let location: SourceLocation?
    /// The field at fault; nil when the file is not readable as a definition at all (say, bad YAML).
    public let path: FieldPath?
    /// What is wrong, in plain words.
    public let message: String

    public init(at location: SourceLocation?, path: FieldPath?, message: String) {
        self.location = location
        self.path = path
        self.message = message
    }

    /// The problem as a compiler-style line: `FILE:LINE:COLUMN: PATH: MESSAGE`.
    public func rendered(file: String) -> String {
        let place = location.map { "\(file):\($0.line):\($0.column)" } ?? file
        return [place, path?.description, message].compactMap { $0 }.joined(separator: ": ")
    }

    public var description: String { rendered(file: "<definition>") }
}

/// A survey definition that cannot be used, with every problem found in it.
public struct SurveyDefinitionError: Error, Sendable, CustomStringConvertible {
    /// The file the definition came from, as the user named it.
    public let file: String
    /// The problems, ordered by their place in the file.
    public let problems: [DefinitionProblem]

    public init(file: String, problems: [DefinitionProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        problems.map { $0.rendered(file: file) }.joined(separator: "\n")
    }
}
