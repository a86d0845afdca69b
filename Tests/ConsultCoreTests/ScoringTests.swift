import ConsultCore
import Testing

@Suite struct ScoringTests {
    let rule = ScoreRule(
        id: "bias", label: "Bias", formula: .product(["likelihood", "impact"]),
        bands: [
            ScoreBand(range: 1...4, level: "low"), ScoreBand(range: 5...9, level: "medium"),
            ScoreBand(range: 10...16, level: "high"), ScoreBand(range: 17...25, level: "extremely_high"),
        ])

    @Test(arguments: [(1, "low"), (4, "low"), (5, "medium"), (16, "high"), (17, "extremely_high"), (25, "extremely_high")])
    func aScoreFallsInTheBandThatHoldsIt(score: Int, level: String) {
        #expect(rule.level(for: score) == LevelID(level))
    }

    @Test func aScoreOutsideEveryBandHasNoLevel() {
        #expect(rule.level(for: 0) == nil)
        #expect(rule.level(for: 26) == nil)
    }

    @Test func idsAreLowerCaseLettersDigitsDashesAndUnderscores() {
        #expect(QuestionID.isWellFormed("q1_a-b"))
        #expect(!QuestionID.isWellFormed("Q1"))
        #expect(!QuestionID.isWellFormed("_q"))
        #expect(!QuestionID.isWellFormed(""))
        #expect(!QuestionID.isWellFormed(String(repeating: "a", count: 65)))
        #expect(QuestionID.isWellFormed(String(repeating: "a", count: 64)))
    }
}
