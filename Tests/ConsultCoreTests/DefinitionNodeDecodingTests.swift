import ConsultCore
import Testing

/// The decoder works on the format-neutral tree, whatever file format produced it.
@Suite struct DefinitionNodeDecodingTests {
    func scalar(_ text: String, line: Int, column: Int = 10) -> DefinitionNode {
        .scalar(text, isPlain: true, at: SourceLocation(line: line, column: column))
    }

    func entry(_ key: String, _ value: DefinitionNode) -> DefinitionNode.Entry {
        DefinitionNode.Entry(key: key, keyLocation: SourceLocation(line: value.location.line, column: 1), value: value)
    }

    @Test func reportsARepeatedKeyAndTheMissingOnesAtTheMapping() throws {
        let root = DefinitionNode.mapping([
            entry("id", scalar("first", line: 1)),
            entry("id", scalar("second", line: 2)),
        ], at: SourceLocation(line: 1, column: 1))
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyDecoder.decode(root, file: "tree") }
        let lines = try #require(error?.problems.map { $0.rendered(file: "tree") })
        #expect(lines.first == "tree:1:1: title: missing required key \"title\"")
        #expect(lines.contains("tree:2:1: id: duplicate key \"id\" (first given on line 1)"))
        #expect(lines.count == 9)
    }

    @Test func treatsAQuotedNumberAsText() {
        let root = DefinitionNode.mapping([
            entry("id", .scalar("12", isPlain: false, at: SourceLocation(line: 1, column: 5))),
        ], at: SourceLocation(line: 1, column: 1))
        let error = #expect(throws: SurveyDefinitionError.self) { try SurveyDecoder.decode(root, file: "tree") }
        #expect(error?.problems.contains { $0.path?.description == "id" } == false)
    }
}
