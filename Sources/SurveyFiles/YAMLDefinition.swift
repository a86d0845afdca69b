import ConsultCore
import Yams

/// Reads YAML text into the format-neutral ``DefinitionNode`` tree, keeping
/// every value's line and column for error messages.
enum YAMLDefinition {
    /// The document in `text`, or the problem that makes it unreadable as YAML.
    static func parse(_ text: String) throws(DefinitionProblem) -> DefinitionNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw problem(from: error)
        } catch {
            throw DefinitionProblem(at: nil, path: nil, message: "invalid YAML: \(error)")
        }
        guard let root else {
            throw DefinitionProblem(at: SourceLocation(line: 1, column: 1), path: nil, message: "the file is empty")
        }
        return node(from: root)
    }

    static func node(from node: Node) -> DefinitionNode {
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, isPlain: scalar.style == .plain, at: location(scalar.mark))
        case .mapping(let mapping):
            let entries = mapping.map { key, value in
                DefinitionNode.Entry(key: keyText(key), keyLocation: location(key.mark), value: self.node(from: value))
            }
            return .mapping(entries, at: location(mapping.mark))
        case .sequence(let sequence):
            return .sequence(sequence.map { self.node(from: $0) }, at: location(sequence.mark))
        case .alias(let alias):
            return .scalar("*\(alias.anchor)", isPlain: false, at: location(alias.mark))
        }
    }

    /// A key as text; a list or mapping used as a key becomes text that no format key matches.
    static func keyText(_ key: Node) -> String {
        switch key {
        case .scalar(let scalar): scalar.string
        case .mapping: "(a mapping used as a key)"
        default: "(a list used as a key)"
        }
    }

    static func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    static func problem(from error: YamlError) -> DefinitionProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text) on line \($0.mark.line))" } ?? problem
            return DefinitionProblem(at: location(mark), path: nil, message: "invalid YAML: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return DefinitionProblem(at: location(context.mark), path: nil,
                message: "the key \(keys) is given more than once in the same mapping; keep one")
        case .reader(let problem, _, _, _):
            return DefinitionProblem(at: nil, path: nil, message: "cannot read the text: \(problem)")
        default:
            return DefinitionProblem(at: nil, path: nil, message: "invalid YAML: \(error)")
        }
    }
}
