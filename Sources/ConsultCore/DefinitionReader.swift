/// The typed reading of a ``DefinitionNode`` tree: mappings with known keys,
/// lists, text, numbers and flags, recording a ``DefinitionProblem`` for each
/// value that is not what the format expects.
///
/// Every read returns nil when the value is unusable, so the caller can go on
/// and report every problem of a file in one pass.
struct DefinitionReader {
    private(set) var problems: [DefinitionProblem] = []

    mutating func report(_ message: String, at location: SourceLocation, path: FieldPath) {
        problems.append(DefinitionProblem(at: location, path: path, message: message))
    }

    /// The entries of a mapping, keyed by name, with unknown, duplicate and missing keys reported.
    mutating func fields(
        of node: DefinitionNode, at path: FieldPath, allowed: [String], required: [String]
    ) -> Fields? {
        guard case .mapping(let entries, let location) = node else {
            report("expected a mapping with the keys \(allowed.joined(separator: ", ")); found \(node.kindDescription)",
                at: node.location, path: path)
            return nil
        }
        var byKey: [String: DefinitionNode.Entry] = [:]
        for entry in entries {
            let entryPath = path.appending(entry.key)
            if let first = byKey[entry.key] {
                report("duplicate key \"\(entry.key)\" (first given on line \(first.keyLocation.line))",
                    at: entry.keyLocation, path: entryPath)
            } else if !allowed.contains(entry.key) {
                report(Self.unknownKeyMessage(entry.key, allowed: allowed), at: entry.keyLocation, path: entryPath)
            } else {
                byKey[entry.key] = entry
            }
        }
        for key in required where byKey[key] == nil || byKey[key]?.value.isNull == true {
            if let entry = byKey[key] {
                report("\"\(key)\" needs a value", at: entry.keyLocation, path: path.appending(key))
            } else {
                report("missing required key \"\(key)\"", at: location, path: path.appending(key))
            }
        }
        return Fields(path: path, location: location, entries: byKey.filter { !$0.value.value.isNull })
    }

    /// The elements of a list, each with its path; reports a value that is not a list, or an empty one.
    mutating func elements(of node: DefinitionNode, at path: FieldPath, allowEmpty: Bool = false)
        -> [(node: DefinitionNode, path: FieldPath)]?
    {
        guard case .sequence(let nodes, let location) = node else {
            report("expected a list; found \(node.kindDescription)", at: node.location, path: path)
            return nil
        }
        if nodes.isEmpty && !allowEmpty {
            report("the list is empty; give at least one entry", at: location, path: path)
            return nil
        }
        return nodes.enumerated().map { ($0.element, path.appending(index: $0.offset)) }
    }

    /// A text value; blank text counts as missing.
    mutating func text(_ node: DefinitionNode, at path: FieldPath) -> String? {
        guard case .scalar(let text, _, let location) = node else {
            report("expected text; found \(node.kindDescription)", at: node.location, path: path)
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            report("the text is empty", at: location, path: path)
            return nil
        }
        return trimmed
    }

    /// An id: lower-case letters, digits, `-` and `_`.
    mutating func identifier<Subject>(_ node: DefinitionNode, at path: FieldPath) -> Identifier<Subject>? {
        guard let text = text(node, at: path) else { return nil }
        guard Identifier<Subject>.isWellFormed(text) else {
            report("\"\(text)\" is not a valid id: use lower-case letters, digits, \"-\" and \"_\" "
                + "(starting with a letter or digit, at most 64 characters)", at: node.location, path: path)
            return nil
        }
        return Identifier(text)
    }

    /// A whole number written without quotes.
    mutating func integer(_ node: DefinitionNode, at path: FieldPath) -> Int? {
        guard case .scalar(let text, true, _) = node, let value = Int(text) else {
            report("expected a whole number; found \(Self.shown(node))", at: node.location, path: path)
            return nil
        }
        return value
    }

    /// A finite number written without quotes.
    mutating func number(_ node: DefinitionNode, at path: FieldPath) -> Double? {
        guard case .scalar(let text, true, _) = node, let value = Double(text), value.isFinite else {
            report("expected a number; found \(Self.shown(node))", at: node.location, path: path)
            return nil
        }
        return value
    }

    /// `true` or `false`, written without quotes.
    mutating func flag(_ node: DefinitionNode, at path: FieldPath) -> Bool? {
        if case .scalar(let text, true, _) = node {
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        report("expected true or false; found \(Self.shown(node))", at: node.location, path: path)
        return nil
    }

    /// How a value reads in a message: its text in quotes, or its kind.
    static func shown(_ node: DefinitionNode) -> String {
        if case .scalar(let text, _, _) = node, !node.isNull { return "\"\(text)\"" }
        return node.kindDescription
    }

    static func unknownKeyMessage(_ key: String, allowed: [String]) -> String {
        var message = "unknown key \"\(key)\""
        if let near = allowed.min(by: { editDistance(key, $0) < editDistance(key, $1) }),
            editDistance(key, near) <= max(2, key.count / 3)
        {
            message += "; did you mean \"\(near)\"?"
        } else {
            message += "; expected one of \(allowed.joined(separator: ", "))"
        }
        return message
    }

    /// Levenshtein distance, to suggest the key the author probably meant.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The known keys of one mapping, ready to be read.
struct Fields {
    let path: FieldPath
    /// Where the mapping starts.
    let location: SourceLocation
    let entries: [String: DefinitionNode.Entry]

    subscript(key: String) -> DefinitionNode? { entries[key]?.value }

    func path(_ key: String) -> FieldPath { path.appending(key) }

    /// Where a key was written, or the mapping's start if it was not.
    func location(_ key: String) -> SourceLocation { entries[key]?.keyLocation ?? location }

    /// Where a key's value was written, or the mapping's start if it was not.
    func valueLocation(_ key: String) -> SourceLocation { entries[key]?.value.location ?? location }
}
