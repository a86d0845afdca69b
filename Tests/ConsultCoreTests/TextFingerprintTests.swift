import Foundation
import SurveyFiles
import Testing

@testable import ConsultCore

/// The campaign detector's fingerprints and its LSH index (dedup).
@Suite struct TextFingerprintTests {
    let letter = """
        I am writing to urge you to ban the use of brain scans as lie detectors in criminal courts. \
        Neural data reveals our most private thoughts and must be protected as sensitive personal data. \
        No person should be compelled to undergo neurotechnology testing without informed consent.
        """

    @Test func exactDuplicatesAfterNormalisationHaveOneHash() throws {
        let shouted = try #require(TextFingerprint(of: letter.uppercased().replacingOccurrences(of: " ", with: "  \n")))
        let plain = try #require(TextFingerprint(of: letter))
        let punctuated = try #require(TextFingerprint(of: letter.replacingOccurrences(of: ".", with: "!!")))
        #expect(shouted.exactHash == plain.exactHash)
        #expect(punctuated.exactHash == plain.exactHash)
        #expect(plain.similarity(to: shouted) == 1)
        let changed = try #require(TextFingerprint(of: letter.replacingOccurrences(of: "courts", with: "trials")))
        #expect(changed.exactHash != plain.exactHash)
    }

    @Test func aMailMergeVariantIsSimilarAndAnIndependentTextIsNot() throws {
        let variant = "Dear Commission, my name is Ana Souza from Porto. "
            + letter.replacingOccurrences(of: "urge", with: "ask").replacingOccurrences(of: "private", with: "intimate")
        let independent = """
            Our forensic laboratory has evaluated EEG based memory detection for five years and the error rates \
            remain too high for courtroom evidence, so standards and validation studies must come first.
            """
        let original = try #require(TextFingerprint(of: letter))
        let similar = try #require(TextFingerprint(of: variant))
        let other = try #require(TextFingerprint(of: independent))
        #expect(original.similarity(to: similar) >= CampaignSettings.defaultSimilarity)
        #expect(original.similarity(to: other) < 0.1)
    }

    @Test func shortTextsAreNotFingerprinted() {
        #expect(TextFingerprint(of: "No.") == nil)
        #expect(TextFingerprint(of: "I fully agree with the proposal") == nil)
        #expect(TextFingerprint(of: "one two three four five six seven eight") != nil)
    }

    @Test func aStoredSignatureReadsBackEqual() throws {
        let print = try #require(TextFingerprint(of: letter))
        let back = try #require(TextFingerprint(exactHash: print.exactHash, signatureBytes: print.signatureBytes, wordCount: print.wordCount))
        #expect(back == print)
        #expect(TextFingerprint(exactHash: 1, signatureBytes: [1, 2, 3], wordCount: 9) == nil)
    }

    @Test func theIndexFindsTheMostSimilarLiveText() throws {
        var index = NearDuplicateIndex()
        let original = try #require(TextFingerprint(of: letter))
        let variant = try #require(TextFingerprint(of: letter.replacingOccurrences(of: "courts", with: "trials")))
        let unrelated = try #require(TextFingerprint(of: "the weather in the mountains was cold and wet for most of the summer holidays"))
        let beforeAny = index.bestMatch(for: variant, threshold: 0.3)
        #expect(beforeAny == nil)
        index.add(1, original)
        index.add(2, unrelated)
        let found = index.bestMatch(for: variant, threshold: 0.3)
        let match = try #require(found)
        #expect(match.nearest == 1)
        #expect(match.similarity >= 0.5)
        let exact = index.bestMatch(for: original, threshold: 0.3)
        #expect(exact == .init(nearest: 1, similarity: 1))
        index.remove(1)
        let afterRemoval = index.bestMatch(for: variant, threshold: 0.3)
        #expect(afterRemoval == nil)
        #expect(index.count == 1)
    }

    @Test func scopesLeaveOutPersonalQuestionsAndTheSectorText() throws {
        let survey = try SurveyFile.parse(Self.surveyYAML(campaigns: ""), file: "texts.yaml")
        let texts: [OpenTextField: String] = [
            OpenTextField(question: "view", kind: .answer): "my view",
            OpenTextField(question: "email", kind: .answer): "me@example.org",
            OpenTextField(question: "tools", kind: .other): "a headband",
            .otherSector: "a museum",
        ]
        let scopes = CampaignText.scopes(of: texts, in: survey)
        #expect(scopes == ["": "a headband\nmy view", "tools": "a headband", "view": "my view"])
    }
}

/// The survey file's `campaigns` settings (dedup).
@Suite struct CampaignSettingsTests {
    @Test func absentSettingsGetTheDefaults() throws {
        let survey = try SurveyFile.parse(TextFingerprintTests.surveyYAML(campaigns: ""), file: "texts.yaml")
        #expect(survey.campaigns == .standard)
        #expect(survey.campaigns.minimumSize == 5)
    }

    @Test func theFileSetsTheThresholdAndTheMinimumSize() throws {
        let survey = try SurveyFile.parse(
            TextFingerprintTests.surveyYAML(campaigns: "campaigns: {similarity: 0.5, minimum_size: 3}\n"), file: "texts.yaml")
        #expect(survey.campaigns == CampaignSettings(similarity: 0.5, minimumSize: 3))
        let partial = try SurveyFile.parse(TextFingerprintTests.surveyYAML(campaigns: "campaigns: {minimum_size: 10}\n"), file: "texts.yaml")
        #expect(partial.campaigns == CampaignSettings(similarity: CampaignSettings.defaultSimilarity, minimumSize: 10))
    }

    @Test func badSettingsAreReportedWithTheirLine() {
        let error = #expect(throws: SurveyDefinitionError.self) {
            try SurveyFile.parse(
                TextFingerprintTests.surveyYAML(campaigns: "campaigns:\n  similarity: 1.5\n  minimum_size: 1\n  size: 3\n"),
                file: "texts.yaml")
        }
        #expect(error?.problems.map { $0.rendered(file: "texts.yaml") } == [
            "texts.yaml:8:15: campaigns.similarity: similarity must be above 0 and at most 1; found 1.5",
            "texts.yaml:9:17: campaigns.minimum_size: minimum_size must be at least 2 (a campaign has several members); found 1",
            "texts.yaml:10:3: campaigns.size: unknown key \"size\"; expected one of similarity, minimum_size",
        ])
    }
}

extension TextFingerprintTests {
    /// A small survey with a text question, a personal e-mail question and an "other" text, and
    /// `campaigns` (a YAML line or nothing) after the window.
    static func surveyYAML(campaigns: String) -> String {
        """
        id: texts
        title: Texts
        language: en
        time_zone: UTC
        opens_at: 2025-09-01T09:00Z
        closes_at: 2025-11-10T18:00Z
        \(campaigns)respondent:
          sector_question: sector
        sectors:
          - {id: police, label: Police}
        sections:
          - id: all
            title: All
            questions:
              - {id: sector, type: single_choice, text: Sector, required: true, other: true}
              - {id: email, type: email, text: E-mail, personal: true}
              - id: tools
                type: multiple_choice
                text: Tools
                other: true
                options:
                  - {id: eeg, label: EEG}
              - {id: view, type: text, text: View, max_length: 2000}
        """
    }
}
