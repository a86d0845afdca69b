import ConsultCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import SurveyFiles
import Testing

@testable import ConsultServer

/// Campaigns end to end on the neurotechnology call: mail-merge letters sent through the API are
/// clustered by the server's own background worker (the real detector), listed as a campaign,
/// confirmed by an analyst, and then counted once in the analysis while the every-submission table
/// still counts everyone.
@Suite struct CampaignEndToEndTests {
    static let base = "/api/v1/surveys/neurotech-2025"

    static let letter = """
        I am writing to urge the organisers to ban the use of brain scans as lie detectors in criminal courts. \
        Neural data reveals our most private thoughts and must be protected as sensitive personal data. \
        No person should ever be compelled to undergo neurotechnology testing without free and informed consent.
        """
    static let independent = [
        """
        Our forensic laboratory evaluated EEG based memory detection for five years; error rates stay far too \
        high for evidence, and validation studies with realistic suspects are still missing from the literature.
        """,
        """
        Police training should cover what consumer headsets can and cannot measure, so that officers do not \
        overrate attention scores when they interview witnesses or assess drivers after a road accident.
        """,
    ]

    /// A mail-merge variant: a name and a place inserted, one word swapped.
    static func variant(_ number: Int) -> String {
        let names = ["Ana Souza", "Piotr Nowak", "Lea Martin", "Omar Haddad", "Ines Costa", "Jon Berg"]
        let places = ["Porto", "Gdansk", "Lyon", "Amman", "Braga", "Bergen"]
        let swaps = [("urge", "ask"), ("private", "intimate"), ("protected", "shielded")]
        let swap = swaps[number % swaps.count]
        return "My name is \(names[number]) from \(places[number]). " + letter.replacingOccurrences(of: swap.0, with: swap.1)
    }

    static func answers(_ text: String, survey: Survey, publication: String) -> [String: JSONValue] {
        let rights = survey.question("rights_concern").flatMap { question -> [String]? in
            guard case .matrix(let items, _) = question.kind else { return nil }
            return items.map(\.id.rawValue)
        } ?? []
        return [
            "sector": .string("academia"), "country": .string("PT"), "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: rights.map { ($0, JSONValue.number(3)) })),
            "publication": .string(publication), "uses_comments": .string(text),
        ]
    }

    @Test func lettersAreClusteredByTheWorkerConfirmedAndCountedOnce() async throws {
        let server = try TestServer(surveyFile: "Surveys/neurotech-2025.yaml")
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        let texts = (0..<6).map(Self.variant) + Self.independent
        try await server.run { client in
            for (index, text) in texts.enumerated() {
                let answers = Self.answers(text, survey: server.survey, publication: index == 0 ? "confidential" : "public_anonymous")
                let created = try await client.send(
                    .post, "\(Self.base)/submissions", json: .object(["answers": .object(answers)]))
                #expect(created.status == .created, "\(created.body)")
            }
            // The worker places new submissions within seconds; wait for it, never for long.
            var clusters: [JSONValue] = []
            for _ in 0..<100 {
                let listing = try await client.send(.get, "\(Self.base)/campaigns", token: analyst)
                if case .array(let found)? = listing.body["clusters"], found.first?["size"] == .number(6) {
                    clusters = found
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            try #require(clusters.count == 1, "the worker did not cluster the six letters")
            #expect(clusters[0]["is_campaign"] == .bool(true))
            guard case .number(let id)? = clusters[0]["id"] else { Issue.record("no cluster id"); return }
            let confirmed = try await client.send(
                .post, "\(Self.base)/campaigns/\(Int(id))/confirm", json: ["reason": "one letter, six senders"], token: analyst)
            #expect(confirmed.status == .ok)

            // Eight submissions; the confirmed campaign counts as one: 1 + 2 independent letters.
            let once = try await client.send(.get, "\(Self.base)/analysis/sectors_counted_once.csv", token: analyst)
            let every = try await client.send(.get, "\(Self.base)/analysis/respondents_by_sector.csv", token: analyst)
            #expect(Self.allRow(once.body).contains(",3,") || Self.allRow(once.body).hasSuffix(",3"))
            #expect(Self.allRow(every.body).contains(",8,") || Self.allRow(every.body).hasSuffix(",8"))
            // The confidential letter's text is never the campaign's representative text.
            let detail = try await client.send(.get, "\(Self.base)/campaigns/\(Int(id))", token: analyst)
            #expect(!"\(detail.body)".contains("Ana Souza"))
        }
    }

    /// The `all` row of a CSV table given as text.
    static func allRow(_ body: JSONValue) -> String {
        guard case .string(let csv) = body else { return "" }
        return csv.split(whereSeparator: \.isNewline).map(String.init).first { $0.hasPrefix("all,") } ?? ""
    }
}
