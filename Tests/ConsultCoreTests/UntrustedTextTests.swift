import ConsultCore
import Testing

@Suite struct UntrustedTextTests {
    @Test func directionOverridesAndControlsAreNamedAndOtherTextIsKept() {
        #expect(UntrustedText.visible("Ana Silva – Ναι, نعم") == "Ana Silva – Ναι, نعم")
        #expect(UntrustedText.visible("a\u{202E}b\u{2066}c\u{2069}\u{200F}\u{061C}") == "a⟨U+202E⟩b⟨U+2066⟩c⟨U+2069⟩⟨U+200F⟩⟨U+061C⟩")
        #expect(UntrustedText.visible("\u{0}\u{1B}[31m\u{7F}\u{85}\u{9B}\t\n\u{2028}") ==
            "⟨U+0000⟩⟨U+001B⟩[31m⟨U+007F⟩⟨U+0085⟩⟨U+009B⟩⟨U+0009⟩⟨U+000A⟩⟨U+2028⟩")
        #expect(UntrustedText.pieces(of: "x\u{202D}\u{202D}yz") == [.text("x"), .hidden("\u{202D}"), .hidden("\u{202D}"), .text("yz")])
        #expect(UntrustedText.pieces(of: "") == [])
    }

    @Test func joiningCharactersOfEmojiAndScriptsAreNotControls() {
        let family = "👩\u{200D}👩\u{200D}👧"
        #expect(UntrustedText.visible(family) == family)
        #expect(UntrustedText.visible("e\u{301}") == "e\u{301}")
    }
}
