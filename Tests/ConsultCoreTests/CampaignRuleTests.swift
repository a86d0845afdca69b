import ConsultCore
import Foundation
import Testing

/// campaigns: the word-level comparison, the signals of ballot stuffing and the representative rules.
@Suite struct CampaignRuleTests {
    private func marked(_ segments: [WordDiff.Segment]) -> [String] {
        segments.filter(\.differs).map(\.text)
    }

    @Test func theDiffMarksOnlyTheWordsThatDifferAndKeepsEachTextWhole() {
        let representative = "I oppose the use of brain data by the police in Vienna."
        let member = "I strongly oppose the use of brain data by the police in Graz."
        let diff = WordDiff(representative, member)
        #expect(diff.left.map(\.text).joined() == representative)
        #expect(diff.right.map(\.text).joined() == member)
        #expect(marked(diff.left) == ["Vienna."])
        #expect(marked(diff.right) == ["strongly", "Graz."])
        #expect(diff.differingWords.left == 1 && diff.differingWords.right == 2)
    }

    @Test func reorderedAndDroppedSentencesAreMarkedAndSpacesKept() {
        let a = "First point.  Second point.\nThird point."
        let b = "Third point. First point."
        let diff = WordDiff(a, b)
        #expect(diff.left.map(\.text).joined() == a)
        #expect(diff.right.map(\.text).joined() == b)
        // Two words in order are common (the longest common subsequence); the rest differs.
        #expect(diff.differingWords.left == 4 && diff.differingWords.right == 2)
        let same = WordDiff("same words here", "same words here")
        #expect(marked(same.left).isEmpty && marked(same.right).isEmpty)
        let empty = WordDiff("", "new text")
        #expect(empty.left.isEmpty && marked(empty.right) == ["new text"])
    }

    @Test func veryLongTextsAreComparedAsBagsOfWords() {
        let words = (0..<2_500).map { "w\($0)" }
        let a = words.joined(separator: " ")
        let b = (["extra"] + words.reversed()).joined(separator: " ")
        #expect(2_500 * 2_501 > WordDiff.cellLimit)
        let diff = WordDiff(a, b)
        #expect(diff.right.map(\.text).joined() == b)
        #expect(marked(diff.left).isEmpty)
        #expect(marked(diff.right) == ["extra"])
    }

    @Test func signalsFollowTheirThresholdsAndDropNothing() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let address = Data(repeating: 7, count: 32)
        var submissions = (0..<StuffingSignals.Rule.sameAddress).map { index in
            StuffingSignals.Submission(clientKey: address, closedAnswers: "a", receivedAt: start.addingTimeInterval(Double(index) * 600))
        }
        var signals = StuffingSignals(submissions)
        #expect(signals.sharedAddresses.addresses == 1 && signals.sharedAddresses.submissions == 5)
        #expect(signals.identicalAnswers.groups == 1 && signals.identicalAnswers.largest == 5)
        #expect(!signals.isBurst)
        #expect(signals.sentences.count == 2)

        // One below each threshold: no signal. Empty closed answers never count as identical.
        submissions.removeLast()
        signals = StuffingSignals(submissions + [StuffingSignals.Submission(clientKey: nil, closedAnswers: "", receivedAt: start)])
        #expect(!signals.any)

        // A burst: ten within sixty seconds (the eleventh falls outside the window).
        let burst = (0..<11).map { index in
            StuffingSignals.Submission(clientKey: nil, closedAnswers: "\(index)", receivedAt: start.addingTimeInterval(Double(index) * 6.5))
        }
        signals = StuffingSignals(burst)
        #expect(signals.isBurst && signals.densestWindow.count == 10 && signals.densestWindow.from == start)
        let spread = StuffingSignals(burst.enumerated().map { index, submission in
            StuffingSignals.Submission(clientKey: nil, closedAnswers: submission.closedAnswers, receivedAt: start.addingTimeInterval(Double(index) * 7))
        })
        #expect(!spread.isBurst && spread.densestWindow.count == 9)
    }

    @Test func aConfidentialTextNeverStandsForACluster() {
        let members = [
            CampaignRule.Candidate(seq: 1, disclosesText: false, similarity: 1),
            CampaignRule.Candidate(seq: 2, disclosesText: true, similarity: 0.8),
            CampaignRule.Candidate(seq: 3, disclosesText: true, similarity: 0.9),
            CampaignRule.Candidate(seq: 4, disclosesText: true, similarity: 0.9),
        ]
        #expect(CampaignRule.shownRepresentative(stored: 1, members: members) == 3)
        #expect(CampaignRule.shownRepresentative(stored: 2, members: members) == 2)
        #expect(CampaignRule.shownRepresentative(stored: 99, members: members) == 3)
        #expect(CampaignRule.shownRepresentative(stored: 1, members: [members[0]]) == nil)
        #expect(CampaignRule.countedMember(stored: 1, members: [3, 1, 2]) == 1)
        #expect(CampaignRule.countedMember(stored: 9, members: [3, 1, 2]) == 1)
        #expect(CampaignRule.countedMember(stored: nil, members: []) == nil)
    }
}
