import ConsultCore

extension UntrustedText {
    /// The view of text from outside for the `untrusted` partial, which shows it in a `<bdi>`
    /// (so its direction cannot leak into what surrounds it) with each control or text-direction
    /// character as a visible `⟨U+202E⟩` marker. Every piece has every key, so that no lookup
    /// falls through to an enclosing view.
    static func pageView(_ text: String) -> [String: Any] {
        [
            "pieces": pieces(of: text).map { piece -> [String: Any] in
                switch piece {
                case .text(let run): ["text": run, "hidden": false, "code": ""]
                case .hidden(let scalar): ["text": "", "hidden": true, "code": codePoint(scalar)]
                }
            }
        ]
    }
}
