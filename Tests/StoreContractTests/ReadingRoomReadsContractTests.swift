import ConsultCore
import ConsultStore
import Foundation
import Testing

/// The reading room's synchronous reads (the export writers'), on every engine (issue 18): the open
/// texts streamed in order, the languages per sector and the coded texts of a REFI-QDA project read
/// the same, after the same submissions, edits and codings on two nodes.
@Suite struct ReadingRoomReadsContractTests {
    let survey = ContractSurvey.survey
    let now = ContractSurvey.whileOpen

    static let english = "Neural data reveal thoughts and feelings, so their collection must require informed and free consent."
    static let french = "Les données neuronales révèlent les pensées et les émotions ; leur collecte exige un consentement libre."

    /// What the three reads answer on one engine, in engine-neutral form (respondents by their order of submission).
    struct Reads: Equatable {
        var scanned: [String] = []
        var languages: [LanguageSectorCount] = []
        var themes: [String] = []
        var coders: [String] = []
        var respondents: [String] = []
    }

    func reads(on engine: Engine) async throws -> Reads {
        var reads = Reads()
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let contract = ReadingRoomContractTests()
            let stored: [AnswerSet] = [
                try contract.answers(uses: Self.english, risks: "short", publication: "public_named", name: "Ana Lima"),
                try contract.answers(uses: Self.french, risks: "null\u{0}byte", name: "Bo", otherSector: "a cooperative"),
                try contract.answers(uses: "ok", risks: Self.english, publication: "confidential"),
                try contract.answers(uses: Self.english + " Twice.", risks: Self.french, sector: "industry"),
            ]
            var accepted: [AcceptedSubmission] = []
            for (index, answers) in stored.enumerated() {
                let node = index.isMultiple(of: 2) ? a : b
                accepted.append(try await node.submit(
                    answers, to: survey, receivedAt: now.addingTimeInterval(Double(index)), idempotency: nil, fileOwner: nil, client: nil
                ).accepted())
            }
            let order = Dictionary(uniqueKeysWithValues: accepted.enumerated().map { ($1.id, $0) })
            var seqs: [Int64] = []
            for submission in accepted {
                seqs.append(try #require(
                    try await a.respondents.file(a.pseudonyms.pseudonym(for: submission.id), of: survey.id.rawValue, allVersions: false)).seq)
            }
            let (token, _) = try await a.issueToken(role: .analyst, name: "Ana", expiresAt: nil, by: "cli:contract", at: now)
            guard case .success(let principal) = try await a.principal(forToken: token, at: now), let coder = Coder(principal) else {
                throw ContractFailure("no analyst principal")
            }
            let id = survey.id.rawValue
            let consent = try await a.themeBook.create(ThemeFields(name: "Consent", colour: "#112233"), in: id, actor: coder.actor, at: now)
            let data = try await b.themeBook.create(
                ThemeFields(name: "Data", colour: "#445566", parentID: .some(consent.id)), in: id, actor: coder.actor, at: now)
            let uses = OpenTextField(question: "uses_comments", kind: .answer)
            let risks = OpenTextField(question: "risks_comments", kind: .answer)
            _ = try await a.codingLedger.code(
                uses, of: seqs[0], version: 1, span: TextSpan(stored: 0, end: 11), theme: data.id, in: id, coder: coder.tokenID,
                actor: coder.actor, at: now)
            let removed = try await b.codingLedger.code(
                uses, of: seqs[1], version: 1, span: nil, theme: consent.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            _ = try await a.codingLedger.remove(removed.id, in: id, by: coder.tokenID, actor: coder.actor, at: now)
            _ = try await b.codingLedger.code(
                risks, of: seqs[3], version: 1, span: nil, theme: consent.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            _ = try await b.codingLedger.code(
                .otherSector, of: seqs[1], version: 1, span: nil, theme: data.id, in: id, coder: coder.tokenID, actor: coder.actor,
                at: now)
            // An edit on node b changes the coded risks text of the fourth respondent.
            _ = try await b.replaceAnswers(
                of: accepted[3].id, token: try #require(accepted[3].editToken),
                with: try contract.answers(uses: Self.english + " Twice.", risks: "changed", sector: "industry"), survey: survey,
                receivedAt: now.addingTimeInterval(30), fileOwner: nil
            ).accepted()

            let sources = [
                OpenTextSource(question: "uses_comments", publications: PublicationChoice.allCases),
                OpenTextSource(question: "respondent_name", publications: [.publicNamed]),
                OpenTextSource(question: "risks_comments", publications: [.publicAnonymous, .publicNamed]),
                OpenTextSource(question: "role", publications: []),
            ]
            let survey = self.survey
            reads = try await offTheCooperativePool {
                var reads = Reads()
                try b.openTextScan.forEachText(survey: survey.id, sources: sources) { text in
                    reads.scanned.append(
                        "\(order[text.submissionID] ?? -1) q\(text.question) \(text.sector) \(text.publication.rawValue) \(text.text.debugDescription)")
                }
                reads.languages = try a.textLanguageCounts.bySector(of: survey).sorted { ($0.sector, $0.language) < ($1.sector, $1.language) }
                try a.codedTexts.read(survey: survey.id) { snapshot in
                    let themes = try snapshot.themes()
                    let names = Dictionary(uniqueKeysWithValues: themes.map { ($0.guid, $0.name) })
                    reads.themes = themes.map { "\($0.name) depth \($0.depth) under \($0.parentGUID.flatMap { names[$0] } ?? "-") \($0.codings)/\($0.respondents)" }
                    reads.coders = try snapshot.coders().map(\.name)
                    try snapshot.forEachRespondent { respondent in
                        let texts = respondent.texts.sorted { $0.key < $1.key }.map { "\($0.key.storedQuestion).\($0.key.kind)=\($0.value.debugDescription)" }
                        let codings = respondent.codings.map {
                            "\(names[$0.themeGUID] ?? "?") \($0.field.storedQuestion).\($0.field.kind) \($0.span.map { "\($0)" } ?? "whole")"
                                + ($0.onEarlierText ? " earlier" : "")
                        }
                        reads.respondents.append(
                            "\(order[respondent.submissionID] ?? -1) \(respondent.finalSector) \(respondent.publication.rawValue) \(texts) \(codings)")
                    }
                }
                return reads
            }
        }
        return reads
    }

    @Test func bothEnginesReadTheSameTextsLanguagesAndCodings() async throws {
        let sqlite = try await reads(on: .sqlite)
        let postgres = try await reads(on: .postgres)
        #expect(sqlite.scanned == postgres.scanned)
        #expect(sqlite.languages == postgres.languages)
        #expect(sqlite.themes == postgres.themes)
        #expect(sqlite.coders == postgres.coders)
        #expect(sqlite.respondents == postgres.respondents)
        // Pinned, so that both engines cannot be wrong alike.
        #expect(sqlite.scanned.count == 8, "\(sqlite.scanned)")
        #expect(sqlite.scanned.first == "0 q0 academia public_named \(Self.english.debugDescription)")
        #expect(sqlite.scanned.contains { $0.hasPrefix("1 q2 ") && $0.hasSuffix("public_anonymous \("null\u{0}byte".debugDescription)") })
        #expect(!sqlite.scanned.contains { $0.hasPrefix("1 q1") } && sqlite.scanned.contains { $0.hasPrefix("0 q1") })
        #expect(sqlite.languages.contains { $0.language == "fr" && $0.texts == 1 } && sqlite.languages.contains { $0.language == "en" })
        #expect(sqlite.themes == ["Consent depth 1 under - 1/1", "Data depth 2 under Consent 2/2"])
        #expect(sqlite.coders == ["Ana"])
        #expect(sqlite.respondents.count == 4)
        #expect(sqlite.respondents[3].contains("Consent risks_comments.answer whole earlier"))
        #expect(sqlite.respondents[1].contains("Data .sector whole") && !sqlite.respondents[1].contains("Consent"))
    }
}

/// Runs blocking `work` on a thread of its own, never one of Swift's cooperative pool.
private func offTheCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
