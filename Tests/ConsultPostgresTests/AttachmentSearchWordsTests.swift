import ConsultCore
import Testing

@testable import ConsultPostgres

/// The words PostgreSQL indexes for attached files' text and the tsquery a reading-room query becomes
/// (the contract tests hold both engines to the same hits; these fix the translation itself).
@Suite struct AttachmentSearchWordsTests {
    @Test func wordsAreCutAndFoldedAsFTS5Unicode61Does() {
        let words = AttachmentSearchWords.words(of: "Café—naïve well-being, office@example.org 3.5 x² й ά ſ e\u{301}")
        #expect(words.map(\.word) == ["cafe", "naive", "well", "being", "office", "example", "org", "3", "5", "x²", "й", "ά", "s", "e"])
    }

    @Test func theVectorKeepsPositionsWithinPostgreSQLsLimits() {
        #expect(AttachmentSearchWords.vector(of: "Data, data; protection") == "'data':1,2 'protection':3")
        // Positions past 16,383 are kept as 16,383; a word keeps 256 positions; over-long words are left out.
        let many = Array(repeating: "a", count: 300).joined(separator: " ") + " " + String(repeating: "z", count: 2_047)
        let vector = AttachmentSearchWords.vector(of: many)
        #expect(vector.split(separator: ",").count == 256 && !vector.contains("z"))
        let late = (0..<16_400).map { _ in "w" }.joined(separator: " ") + " last"
        #expect(AttachmentSearchWords.vector(of: late).hasSuffix("'last':16383"))
    }

    @Test func queriesBecomeTsqueriesWithFTS5sPrecedence() throws {
        func tsquery(_ text: String) throws -> String? { AttachmentSearchQuery(try TextQuery(text)).tsquery }
        #expect(try tsquery("Data") == "('data')")
        #expect(try tsquery("\"data protection\"") == "('data' <-> 'protection')")
        #expect(try tsquery("\"data prot\"*") == "('data' <-> 'prot':*)")
        #expect(try tsquery("a b OR c") == "((('a') & ('b')) | ('c'))")
        #expect(try tsquery("a NOT b c") == "((('a') & !('b')) & ('c'))")
        #expect(try tsquery("well_being") == "('well' <-> 'being')")
        // A term without words finds nothing: AND with it finds nothing, OR and NOT leave the other side.
        #expect(try tsquery("\"...\"") == nil)
        #expect(try tsquery("a AND \"--\"") == nil)
        #expect(try tsquery("\"--\" OR a") == "('a')")
        #expect(try tsquery("a NOT \"--\"") == "('a')")
    }

    @Test func aSnippetMarksEachPhraseInstanceAsOneSpan() throws {
        let open = String(Unicode.Scalar(0xE000)!), close = String(Unicode.Scalar(0xE001)!)
        let query = AttachmentSearchQuery(try TextQuery("\"data protection\" OR law"))
        #expect(AttachmentSnippet.marked("Data protection law, data and protection.", query: query)
            == "\(open)Data protection\(close) \(open)law\(close), data and protection.")
    }
}
