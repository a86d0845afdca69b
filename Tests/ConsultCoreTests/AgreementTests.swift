import ConsultCore
import Testing

/// Kappa and alpha against hand-worked textbook examples, and their edge cases.
@Suite struct AgreementTests {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
    /// twelve units, values 1–5 with missing data; nominal alpha = 0.743.
    @Test func krippendorffsOwnExampleWithMissingValues() throws {
        let a: [Int?] = [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil]
        let b: [Int?] = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3]
        let c: [Int?] = [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil]
        let d: [Int?] = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil]
        let units = (0..<12).map { [a[$0], b[$0], c[$0], d[$0]] }
        let alpha = try #require(Agreement.krippendorffAlpha(units))
        #expect(abs(alpha - 0.743) < 0.0005)
    }

    /// Wikipedia, "Cohen's kappa", first example: 50 proposals, 20 yes–yes, 5 yes–no, 10 no–yes,
    /// 15 no–no: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    @Test func cohensKappaOfTheFiftyProposals() throws {
        let pairs = Array(repeating: ("yes", "yes"), count: 20) + Array(repeating: ("yes", "no"), count: 5)
            + Array(repeating: ("no", "yes"), count: 10) + Array(repeating: ("no", "no"), count: 15)
        let kappa = try #require(Agreement.cohensKappa(pairs))
        #expect(abs(kappa - 0.4) < 1e-12)
    }

    /// With two coders and no missing values, nominal alpha is Scott's pi corrected for sample size:
    /// for the fifty proposals, n = 100, n_yes = 55, n_no = 45, o_yes,no = o_no,yes = 15:
    /// alpha = 1 − 99 · 30 / (2 · 55 · 45) = 0.4.
    @Test func alphaOfTheFiftyProposals() throws {
        let units = Array(repeating: [1, 1], count: 20) + Array(repeating: [1, 0], count: 5)
            + Array(repeating: [0, 1], count: 10) + Array(repeating: [0, 0], count: 15)
        let alpha = try #require(Agreement.krippendorffAlpha(units.map { $0.map(Optional.some) }))
        #expect(abs(alpha - (1 - 99.0 * 30 / (2 * 55 * 45))) < 1e-12)
        #expect(abs(alpha - 0.4) < 1e-12)
    }

    @Test func perfectAgreementWithVariationIsOne() {
        let pairs = [(1, 1), (0, 0), (1, 1), (0, 0)]
        #expect(Agreement.cohensKappa(pairs) == 1)
        #expect(Agreement.krippendorffAlpha(pairs.map { [$0.0, $0.1] as [Int?] }) == 1)
    }

    /// Everyone gave the same value everywhere: expected disagreement is 0, both are undefined — nil, never NaN.
    @Test func noVariationIsUndefinedNotNaN() {
        #expect(Agreement.cohensKappa([(1, 1), (1, 1), (1, 1)]) == nil)
        #expect(Agreement.krippendorffAlpha([[1, 1], [1, 1], [1, nil]] as [[Int?]]) == nil)
        #expect(Agreement.cohensKappa([(Int, Int)]()) == nil)
        #expect(Agreement.krippendorffAlpha([[1, nil], [nil, 0]] as [[Int?]]) == nil)
    }

    /// Systematic disagreement gives negative values.
    @Test func oppositeCodersAreBelowZero() throws {
        #expect(try #require(Agreement.cohensKappa([(1, 0), (0, 1), (1, 0), (0, 1)])) == -1)
        #expect(try #require(Agreement.krippendorffAlpha([[1, 0], [0, 1]] as [[Int?]])) < 0)
    }

    /// Per theme: coders who coded a text give 1 or 0 for it; those who did not give nothing.
    @Test func themeAgreementCountsOverlapAndUsesKappaOnlyForTwoCoders() throws {
        let twoUnits: [(coders: Set<String>, applied: Set<String>)] = [
            (coders: ["ana", "bo"], applied: ["ana", "bo"]),
            (coders: ["ana", "bo"], applied: []),
            (coders: ["ana", "bo"], applied: ["ana"]),
            (coders: ["ana"], applied: ["ana"]),
        ]
        let two = ThemeAgreement(units: twoUnits)
        #expect(two.overlap == 3)
        #expect(two.coders == 2)
        // p_o = 2/3; ana 2/3 yes, bo 1/3 yes: p_e = 2/9 + 2/9 = 4/9; kappa = (2/3 − 4/9)/(5/9) = 0.4.
        #expect(abs(try #require(two.kappa) - 0.4) < 1e-12)
        #expect(two.alpha != nil)
        let threeUnits: [(coders: Set<String>, applied: Set<String>)] = [
            (coders: ["ana", "bo", "cy"], applied: ["ana", "bo", "cy"]),
            (coders: ["ana", "bo", "cy"], applied: []),
        ]
        let three = ThemeAgreement(units: threeUnits)
        #expect(three.kappa == nil)
        #expect(three.alpha == 1)
        #expect(three.overlap == 2)
    }
}

/// Spans count Unicode scalars, so an emoji or a combining accent never splits.
@Suite struct TextSpanTests {
    @Test func spansCountUnicodeScalars() throws {
        let text = "Zoë 🧠 privacy"
        let span = try #require(TextSpan(start: 6, end: 13, in: text))
        #expect(span.words(of: text) == "privacy")
        #expect(TextSpan(start: 4, end: 5, in: text)?.words(of: text) == "🧠")
        #expect(TextSpan(start: 0, end: 14, in: text) == nil)
        #expect(TextSpan(start: 3, end: 3, in: text) == nil)
        #expect(TextSpan(start: -1, end: 2, in: text) == nil)
        let parts = try #require(span.split(text))
        #expect(parts.before == "Zoë 🧠 " && parts.span == "privacy" && parts.after == "")
        #expect(TextSpan(stored: 2, end: 40).words(of: text) == nil)
    }
}

@Suite struct ThemeAgreementTableTests {
    /// Two coders on four texts: on "risk" they agree on t1 (both) and t2 (neither, as both coded t2
    /// with "use"), and differ on t3; t4 is coded by one coder only and is not in the overlap.
    @Test func perThemeBuildsUnitsFromEveryCodingInForce() throws {
        let codings: [(unit: String, coder: String, theme: Int)] = [
            ("t1", "ana", 1), ("t1", "bo", 1), ("t2", "ana", 2), ("t2", "bo", 2), ("t3", "ana", 1), ("t3", "bo", 2),
            ("t4", "ana", 1),
        ]
        let table = ThemeAgreement.perTheme(codings, themes: [1, 2, 3])
        let risk = try #require(table[1])
        #expect(risk.overlap == 3)
        // Pairs (1,1), (0,0), (1,0): kappa 0.4.
        #expect(abs(try #require(risk.kappa) - 0.4) < 1e-12)
        let unused = try #require(table[3])
        #expect(unused.kappa == nil && unused.alpha == nil && unused.overlap == 3)
    }
}
