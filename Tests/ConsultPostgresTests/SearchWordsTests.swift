import ConsultCore
import Testing

@testable import ConsultPostgres

/// The words PostgreSQL indexes for open texts and attached files' text, and the tsquery a reading-room query
/// becomes (the contract tests hold both engines to the same hits; these fix the translation and the limits).
@Suite struct SearchWordsTests {
    @Test func theVectorHoldsFTS5sWordsWithinPostgreSQLsLimits() throws {
        #expect(try SearchWords.vector(of: "Data, data; protection") == "'data':1,2 'protection':3")
        #expect(try SearchWords.vector(of: "Café naïve well-being 3.5") == "'cafe':1 'naive':2 'well':3 'being':4 '3':5 '5':6")
        // A word keeps 256 positions; over-long words are left out; positions past 16,383 are kept as 16,383.
        let many = Array(repeating: "a", count: 300).joined(separator: " ") + " " + String(repeating: "z", count: 2_047)
        let vector = try SearchWords.vector(of: many)
        #expect(vector.split(separator: ",").count == 256 && !vector.contains("z"))
        let late = (0..<16_400).map { _ in "w" }.joined(separator: " ") + " last"
        #expect(try SearchWords.vector(of: late).hasSuffix("'last':16383"))
        // A text with more distinct words than a tsvector holds keeps its first ones, within a megabyte.
        let words = (0..<200_000).map { "word\($0)" }.joined(separator: " ")
        let big = try SearchWords.vector(of: words)
        #expect(big.utf8.count < 3_000_000 && big.hasPrefix("'word0':1 'word1':2") && !big.contains("'word199999'"))
    }

    @Test func queriesBecomeTsqueriesWithFTS5sPrecedence() throws {
        func tsquery(_ text: String) throws -> String? { try SearchWords.query(try TextQuery(text)) }
        #expect(try tsquery("Data") == "('data')")
        #expect(try tsquery("\"data protection\"") == "('data' <-> 'protection')")
        #expect(try tsquery("\"data prot\"*") == "('data' <-> 'prot':*)")
        #expect(try tsquery("well_being") == "('well' <-> 'being')")
        // A term without words finds nothing: AND with it finds nothing, OR leaves the other side.
        #expect(try tsquery("\"...\"") == nil)
        #expect(try tsquery("a AND \"--\"") == nil)
        #expect(try tsquery("\"--\" OR a") == "('a')")
    }
}
