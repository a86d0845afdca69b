extension SurveyDecoder {
    /// A `file` question's `kinds` (default: all), `max_size_mb` (default 10) and `max_files` (default 1).
    mutating func fileRule(_ fields: Fields) -> QuestionKind? {
        var kinds = FileKind.allCases
        if let node = fields["kinds"] {
            guard let elements = reader.elements(of: node, at: fields.path("kinds")) else { return nil }
            kinds = []
            for (element, path) in elements {
                guard let text = reader.text(element, at: path) else { return nil }
                guard let kind = FileKind(rawValue: text) else {
                    reader.report("unknown file kind \"\(text)\"; expected one of "
                        + FileKind.allCases.map(\.rawValue).joined(separator: ", "), at: element.location, path: path)
                    return nil
                }
                guard !kinds.contains(kind) else {
                    reader.report("the kind \"\(text)\" is listed twice", at: element.location, path: path)
                    return nil
                }
                kinds.append(kind)
            }
        }
        let megabytes = bounded(fields, "max_size_mb", default: 10, 1...FileRule.largestMegabytes)
        let maxFiles = bounded(fields, "max_files", default: 1, 1...FileRule.mostFiles)
        guard let megabytes, let maxFiles else { return nil }
        return .file(FileRule(kinds: kinds, maxBytes: megabytes * FileRule.megabyte, maxFiles: maxFiles))
    }

    private mutating func bounded(_ fields: Fields, _ key: String, default value: Int, _ range: ClosedRange<Int>) -> Int? {
        guard let node = fields[key] else { return value }
        guard let number = reader.integer(node, at: fields.path(key)) else { return nil }
        guard range.contains(number) else {
            reader.report("\(key) must be between \(range.lowerBound) and \(range.upperBound); found \(number)",
                at: fields.valueLocation(key), path: fields.path(key))
            return nil
        }
        return number
    }
}
