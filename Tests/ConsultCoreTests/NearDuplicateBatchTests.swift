import Testing

@testable import ConsultCore

/// The from-scratch clustering (``NearDuplicateBatch``) against the incremental index it replaces
/// in a rebuild: for every text, the same nearest earlier text and similarity.
@Suite struct NearDuplicateBatchTests {
    /// A deterministic generator (SplitMix64), so the corpus is the same on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = TextFingerprint.mix(state)
            return state
        }
    }

    /// Campaign letters with words swapped and sentences dropped, exact copies, and independent texts
    /// drawn from one small vocabulary (so buckets are crowded: more than a bucket's walk of earlier
    /// texts, more candidates than are verified).
    static func corpus(count: Int, seed: UInt64) -> [TextFingerprint] {
        var random = Generator(state: seed)
        let vocabulary = (0..<60).map { "word\($0)" }
        let letters = (0..<6).map { _ in (0..<40).map { _ in vocabulary.randomElement(using: &random)! } }
        var prints: [TextFingerprint] = []
        var texts: [String] = []
        while prints.count < count {
            var words: [String]
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                words = letters.randomElement(using: &random)!
                for _ in 0..<Int.random(in: 0..<12, using: &random) {
                    words[Int.random(in: 0..<words.count, using: &random)] = vocabulary.randomElement(using: &random)!
                }
                if Bool.random(using: &random) { words.removeSubrange(0..<Int.random(in: 0..<10, using: &random)) }
            case 5 where !texts.isEmpty:
                words = texts.randomElement(using: &random)!.split(separator: " ").map(String.init)
            default:
                words = (0..<Int.random(in: 8..<30, using: &random)).map { _ in vocabulary.randomElement(using: &random)! }
            }
            let text = words.joined(separator: " ")
            if let print = TextFingerprint(of: text) {
                prints.append(print)
                texts.append(text)
            }
        }
        return prints
    }

    /// What the incremental index finds for each text, in arrival order.
    static func incremental(_ prints: [TextFingerprint], threshold: Double) -> [NearDuplicateBatch.Match?] {
        var index = NearDuplicateIndex()
        return prints.enumerated().map { position, print in
            defer { index.add(Int64(position), print) }
            return index.bestMatch(for: print, threshold: threshold).map {
                NearDuplicateBatch.Match(position: Int($0.nearest), similarity: $0.similarity)
            }
        }
    }

    @Test(arguments: [1, 3]) func everyTextGetsTheMatchTheIndexGaveItOnArrival(parts: Int) {
        let prints = Self.corpus(count: 3000, seed: 15)
        let expected = Self.incremental(prints, threshold: CampaignSettings.defaultSimilarity)
        let batch = NearDuplicateBatch(prints, threshold: CampaignSettings.defaultSimilarity, parts: parts)
        let differing = zip(batch.nearest, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(batch.nearest.count == expected.count)
        #expect(differing.isEmpty, "texts placed otherwise than by the index: \(differing.prefix(10))")
        // The corpus exercises every rule: exact copies, near matches, texts that match nothing.
        #expect(expected.contains { $0?.similarity == 1 })
        #expect(expected.contains { ($0?.similarity ?? 1) < 1 })
        #expect(expected.contains { $0 == nil })
    }

    @Test func crowdedBucketsAreWalkedOnlyAsFarAsTheIndexWalksThem() {
        // Eighty copies of one letter with one word changed share most bands: every bucket holds more
        // texts than are walked, and more candidates are found than verified.
        let base = (0..<30).map { "w\($0)" }
        let prints = (0..<80).compactMap { variant -> TextFingerprint? in
            var words = base
            words[variant % 30] = "changed\(variant)"
            return TextFingerprint(of: words.joined(separator: " "))
        }
        let expected = Self.incremental(prints, threshold: 0.25)
        #expect(NearDuplicateBatch(prints, threshold: 0.25, parts: 2).nearest == expected)
        #expect(expected.dropFirst().allSatisfy { $0 != nil })
    }

    @Test func noTextsGiveNoMatches() {
        #expect(NearDuplicateBatch([], threshold: 0.25).nearest.isEmpty)
    }
}
