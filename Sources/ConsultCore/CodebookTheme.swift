// refiqda: the themes of a codebook file, read before they are stored.

/// One theme of a codebook being imported (a REFI-QDA `Code`), with the themes nested in it.
public struct CodebookTheme: Sendable, Hashable {
    /// The `guid` the file gave it, upper-case without braces.
    public let guid: String
    public let name: String
    public let description: String
    /// `#RRGGBB`, upper-case.
    public let colour: String
    /// A code that is not codable (`isCodable="false"`): stored as a retired theme.
    public let retired: Bool
    public let children: [CodebookTheme]
    /// Where the element is in its file, for messages ("line 12").
    public let line: Int

    public init(guid: String, name: String, description: String, colour: String, retired: Bool, children: [CodebookTheme], line: Int) {
        self.guid = guid
        self.name = name
        self.description = description
        self.colour = colour
        self.retired = retired
        self.children = children
        self.line = line
    }

    /// How deep themes nest at most (the top level is 1).
    public static let maximumDepth = 3

    /// The colour a code without one gets.
    public static let defaultColour = "#808080"

    /// `#RGB` or `#RRGGBB` (any case) as `#RRGGBB` upper-case, or nil when it is neither.
    public static func normalisedColour(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.first == "#", scalars.count == 4 || scalars.count == 7,
            scalars.dropFirst().allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) })
        else { return nil }
        let digits = scalars.dropFirst().map { String($0).uppercased() }
        return "#" + (digits.count == 3 ? digits.map { $0 + $0 }.joined() : digits.joined())
    }

    /// A GUID as the store keeps it: braces removed, upper-case; nil when it is not a GUID.
    public static func normalisedGUID(_ text: String) -> String? {
        var text = Substring(text)
        if text.first == "{" && text.last == "}" { text = text.dropFirst().dropLast() }
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return text.uppercased()
    }
}
