import ConsultCore
import Foundation
import Testing

@Suite struct StrictJSONTests {
    @Test func readsWhatJSONAllows() throws {
        let value = try StrictJSON.parse(Array(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"} "#.utf8))
        #expect(value == .object([
            "a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]),
            "b": .string("x\"\\/\né😀"),
        ]))
        #expect(try StrictJSON.parse(Array("9007199254740992".utf8)) == .number(9_007_199_254_740_992))
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, "expected a member name in quotes"),
        ("[1, 2,]", "expected a JSON value"),
        (#"{"a": 1, "a": 2}"#, #"the member "a" appears twice"#),
        ("{\"a\": 1} x", "unexpected text after the JSON value"),
        ("[01]", "a number cannot start with 0"),
        ("9007199254740993", "too large to keep exactly"),
        ("1e400", "is too large"),
        ("[NaN]", "expected a JSON value"),
        ("\"tab\there\"", "a control character must be escaped"),
        (#""\ud800""#, "a high surrogate escape must be followed by a low one"),
        (String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "nests deeper than 32 levels"),
        ("// note\n{}", "expected a JSON value"),
        ("", "the JSON ends too early"),
    ])
    func refusesWhatJSONDoesNotAllow(_ text: String, _ message: String) {
        #expect {
            _ = try StrictJSON.parse(Array(text.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func refusesUTF16AndBrokenUTF8() {
        let utf16 = Array(#"{"a": 1}"#.data(using: .utf16LittleEndian) ?? Data())
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse(utf16) }
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}
