import Foundation
import Testing

@testable import ConsultServer

/// The pages' HTML escaping (respondent path performance, issue 19): the byte escaper
/// escapes the same five characters as swift-mustache's own, including one followed by a
/// combining mark, and every template renders through it.
@Suite struct HTMLEscapingTests {
    let escaper = HTMLBytesContentType()

    @Test func theFiveCharactersAreEscapedAndNothingElse() {
        #expect(escaper.escapeText(#"a<b>&"q"'s'"#) == "a&lt;b&gt;&amp;&quot;q&quot;&#39;s&#39;")
        #expect(escaper.escapeText("plain text, é, 🧠, \u{0} and \r\n") == "plain text, é, 🧠, \u{0} and \r\n")
        #expect(escaper.escapeText("") == "")
        #expect(escaper.escapeText("&amp;") == "&amp;amp;")
    }

    @Test func aCharacterFollowedByACombiningMarkIsEscapedToo() {
        // One Character ("<" and U+0301): a lookup by Character would leave it unescaped.
        #expect(escaper.escapeText("x <\u{301}script>") == "x &lt;\u{301}script&gt;")
        #expect(escaper.escapeText("\"\u{301} onclick=") == "&quot;\u{301} onclick=")
    }

    @Test func everyTemplateEscapesItsValuesWithTheByteEscaper() throws {
        let renderer = try PageRenderer.load()
        let hostile = "<\u{301}b>\"\u{301}'&"
        let html = renderer.library.render(["title": hostile, "message": hostile, "detail": hostile], withTemplate: "error") ?? ""
        #expect(html.contains("&lt;\u{301}b&gt;&quot;\u{301}&#39;&amp;"))
        #expect(!html.contains("<\u{301}b>"))
        // The pragma line adds nothing: the page starts as the layout does.
        #expect(html.hasPrefix("<!doctype html>") || html.hasPrefix("<!DOCTYPE html>"))
    }
}
