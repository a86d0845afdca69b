import ConsultCore
import ConsultStore
import Foundation
import Testing

/// The reading room's codebook and codings on every engine (issue 18): the same results, the same
/// audit entries, and the invariants SQLite's single writer keeps held across two nodes writing at once.
@Suite struct CodingContractTests {
    let survey = ContractSurvey.survey
    let now = ContractSurvey.whileOpen

    /// A submission with texts, its coder (an analyst's token) and the submission's seq, stored on `a`.
    func setUp(_ a: any ReadingRoomNode, uses: String = "privacy and consent", risks: String = "data protection")
        async throws -> (accepted: AcceptedSubmission, seq: Int64, coder: Coder)
    {
        let answers = try ReadingRoomContractTests().answers(uses: uses, risks: risks)
        let accepted = try await a.submit(answers, to: survey, receivedAt: now, idempotency: nil, fileOwner: nil, client: nil).accepted()
        let file = try #require(try await a.respondents.file(a.pseudonyms.pseudonym(for: accepted.id), of: survey.id.rawValue, allVersions: false))
        let (token, _) = try await a.issueToken(role: .analyst, name: "Ana", expiresAt: nil, by: "cli:contract", at: now)
        guard case .success(let principal) = try await a.principal(forToken: token, at: now), let coder = Coder(principal) else {
            throw ContractFailure("no analyst principal")
        }
        return (accepted, file.seq, coder)
    }

    static let uses = OpenTextField(question: "uses_comments", kind: .answer)

    @Test(arguments: Engine.all)
    func themesAreCreatedChangedMergedAndRetiredAcrossNodesWithTheirAudit(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let (_, seq, coder) = try await setUp(a)
            let id = survey.id.rawValue
            let privacy = try await a.themeBook.create(ThemeFields(name: " Privacy ", colour: "#1f77b4"), in: id, actor: coder.actor, at: now)
            #expect(privacy.name == "Privacy" && privacy.colour == "#1F77B4" && privacy.depth == 1)
            await #expect(throws: ThemeRefusal.duplicateName("Privacy")) {
                _ = try await b.themeBook.create(ThemeFields(name: "Privacy", colour: "#000000"), in: id, actor: coder.actor, at: now)
            }
            let child = try await b.themeBook.create(
                ThemeFields(name: "Mental privacy", colour: "#00FF00", parentID: .some(privacy.id)), in: id, actor: coder.actor, at: now)
            let grandchild = try await a.themeBook.create(
                ThemeFields(name: "Neural data", colour: "#00FF00", parentID: .some(child.id)), in: id, actor: coder.actor, at: now)
            #expect(grandchild.depth == 3)
            await #expect(throws: ThemeRefusal.self) {
                _ = try await b.themeBook.create(
                    ThemeFields(name: "Too deep", colour: "#00FF00", parentID: .some(grandchild.id)), in: id, actor: coder.actor, at: now)
            }
            await #expect(throws: ThemeRefusal.self) {
                _ = try await b.themeBook.change(privacy.id, in: id, to: ThemeFields(parentID: .some(grandchild.id)), actor: coder.actor, at: now)
            }
            let consent = try await b.themeBook.create(ThemeFields(name: "Consent", colour: "#FF0000"), in: id, actor: coder.actor, at: now)
            // Moving "Mental privacy" under "Consent" renumbers nothing (same depth); to the top renumbers its child.
            let moved = try await a.themeBook.change(child.id, in: id, to: ThemeFields(parentID: .some(nil)), actor: coder.actor, at: now)
            #expect(moved.depth == 1 && moved.parentID == nil)
            #expect(try await b.themeBook.theme(grandchild.id, of: id).depth == 2)
            // Codings: one each on "Consent" and "Privacy" by the same coder on the same text; the merge drops the repeat.
            _ = try await a.codingLedger.code(
                Self.uses, of: seq, version: 1, span: nil, theme: consent.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            _ = try await b.codingLedger.code(
                Self.uses, of: seq, version: 1, span: nil, theme: privacy.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            _ = try await b.codingLedger.code(
                Self.uses, of: seq, version: 1, span: TextSpan(stored: 0, end: 7), theme: consent.id, in: id, coder: coder.tokenID,
                actor: coder.actor, at: now)
            let merged = try await b.themeBook.merge(consent.id, into: privacy.id, in: id, by: coder.tokenID, actor: coder.actor, at: now)
            #expect(merged.moved == 1 && merged.dropped == 1 && merged.target.codings == 2)
            await #expect(throws: ThemeRefusal.inactive(consent.id, "merged")) {
                _ = try await a.codingLedger.code(
                    Self.uses, of: seq, version: 1, span: nil, theme: consent.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            }
            let retired = try await a.themeBook.retire(grandchild.id, in: id, actor: coder.actor, at: now)
            #expect(retired.retiredAt == now && !retired.isActive)
            // The same codebook read on either node, in the same order.
            let names = try await b.themeBook.themes(of: id).map(\.name)
            #expect(names == ["Consent", "Mental privacy", "Neural data", "Privacy"])
            #expect(try await a.themeBook.themes(of: id) == (try await b.themeBook.themes(of: id)))
            let summaries = try await b.themeCounts.themes(survey: survey.id)
            #expect(summaries.map(\.name) == ["Mental privacy", "Neural data", "Privacy"])
            #expect(summaries.first { $0.name == "Privacy" }.map { ($0.codings, $0.respondents) } ?? (0, 0) == (2, 1))
            let bySector = try await a.themeCounts.bySector(survey: survey.id)
            #expect(bySector == [ThemeSectorCount(question: "uses_comments", themeID: privacy.id, sector: "academia", respondents: 1)])
            let actions = try await a.auditLog(survey: id).map(\.action)
            #expect(actions.filter { $0 == "theme.created" }.count == 4)
            #expect(actions.filter { $0 == "coding.added" }.count == 3)
            #expect(actions.contains("theme.changed") && actions.contains("theme.merged") && actions.contains("theme.retired"))
        }
    }

    @Test(arguments: Engine.all)
    func codingsAreRemovedOnceAndMarkedWhenTheTextChanges(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let (accepted, seq, coder) = try await setUp(a)
            let id = survey.id.rawValue
            let theme = try await a.themeBook.create(ThemeFields(name: "Privacy", colour: "#1F77B4"), in: id, actor: coder.actor, at: now)
            let whole = try await a.codingLedger.code(
                Self.uses, of: seq, version: 1, span: nil, theme: theme.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            let risks = try await b.codingLedger.code(
                OpenTextField(question: "risks_comments", kind: .answer), of: seq, version: 1, span: TextSpan(stored: 0, end: 4),
                theme: theme.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            #expect(whole.coder == "analyst:Ana" && whole.span == nil && !whole.onEarlierText)
            // Removed on both nodes at once: once.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for node in [a, b] {
                    group.addTask {
                        (try? await node.codingLedger.remove(whole.id, in: id, by: coder.tokenID, actor: coder.actor, at: now)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await a.codingLedger.codings(of: seq, includingRemoved: false).map(\.id) == [risks.id])
            #expect(try await b.codingLedger.codings(of: seq, includingRemoved: true).map(\.id) == [whole.id, risks.id])
            // The risks text changes in an edit on node b: its coding keeps version 1's words, marked; the uses text does not.
            _ = try await b.replaceAnswers(
                of: accepted.id, token: try #require(accepted.editToken),
                with: try ReadingRoomContractTests().answers(uses: "privacy and consent", risks: "other worries"), survey: survey,
                receivedAt: now.addingTimeInterval(10), fileOwner: nil
            ).accepted()
            let after = try await a.codingLedger.codings(of: seq, includingRemoved: true)
            #expect(after.map(\.onEarlierText) == [false, true])
            await #expect(throws: CodingRefusal.textChanged(current: 2)) {
                _ = try await a.codingLedger.code(
                    Self.uses, of: seq, version: 1, span: nil, theme: theme.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            }
            #expect(try await b.codingLedger.codingsInForce(of: id).map(\.text) == ["\(seq)/risks_comments/answer"])
        }
    }

    @Test(arguments: Engine.all)
    func twoNodesRacingForOneThemeNameOrARetiredThemeKeepTheCodebookSound(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let (_, seq, coder) = try await setUp(a)
            let id = survey.id.rawValue
            // Ten rounds: both nodes create the same name at once; exactly one wins each round.
            for round in 0..<10 {
                let created = await withTaskGroup(of: Bool.self) { group in
                    for node in [a, b] {
                        group.addTask {
                            (try? await node.themeBook.create(
                                ThemeFields(name: "Theme \(round)", colour: "#123456"), in: id, actor: coder.actor, at: now)) != nil
                        }
                    }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(created.filter { $0 }.count == 1, "round \(round)")
            }
            // Coding on one node while the theme is retired on the other: either the coding came first, or it is refused.
            for round in 0..<5 {
                let theme = try await a.themeBook.create(ThemeFields(name: "Retired \(round)", colour: "#123456"), in: id, actor: coder.actor, at: now)
                async let coding = try? b.codingLedger.code(
                    Self.uses, of: seq, version: 1, span: nil, theme: theme.id, in: id, coder: coder.tokenID, actor: coder.actor,
                    at: now.addingTimeInterval(1))
                async let retired = try a.themeBook.retire(theme.id, in: id, actor: coder.actor, at: now.addingTimeInterval(1))
                let (made, retirement) = try await (coding, retired)
                #expect(retirement.codings == (made == nil ? 0 : 1), "round \(round)")
            }
            #expect(Set(try await a.themeBook.themes(of: id).map(\.name)).count == 15)
        }
    }

    @Test(arguments: Engine.all)
    func bulkCodingCodesTheSearchOnceAndIsUndoneOnce(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let (_, seq, coder) = try await setUp(a)
            for index in 0..<6 {
                _ = try await a.submit(
                    try ReadingRoomContractTests().answers(uses: "Privacy matters \(index)", risks: index < 3 ? "privacy" : "none"),
                    to: survey, receivedAt: now, idempotency: nil, fileOwner: nil, client: nil
                ).accepted()
            }
            let id = survey.id.rawValue
            let theme = try await a.themeBook.create(ThemeFields(name: "Privacy", colour: "#1F77B4"), in: id, actor: coder.actor, at: now)
            _ = try await a.codingLedger.code(
                Self.uses, of: seq, version: 1, span: nil, theme: theme.id, in: id, coder: coder.tokenID, actor: coder.actor, at: now)
            let query = try TextQuery("privacy")
            let preview = try await b.bulkCodings.preview(of: survey, query: query, filters: TextSearchFilters(), theme: theme.id, by: coder)
            #expect(preview == BulkCodingPreview(matches: 10, toCode: 9))
            // Applied on both nodes at once: the texts are coded once between them.
            async let first = a.bulkCodings.apply(to: survey, query: query, filters: TextSearchFilters(), theme: theme.id, by: coder, at: now)
            async let second = b.bulkCodings.apply(to: survey, query: query, filters: TextSearchFilters(), theme: theme.id, by: coder, at: now)
            let records = try await [first, second]
            #expect(records.map(\.answers).sorted() == [0, 9])
            #expect(try await a.textSearch.count(of: survey, query: query, filters: TextSearchFilters(theme: theme.id)) == 10)
            let bulk = try #require(records.first { $0.answers == 9 })
            #expect(bulk.query == "privacy" && bulk.coder == "analyst:Ana")
            #expect(try await b.bulkCodings.recent(of: survey, limit: 20).map(\.id) == records.map(\.id).sorted(by: >))
            // Undone on both nodes at once: once.
            let undone = await withTaskGroup(of: Bool.self) { group in
                for node in [a, b] {
                    group.addTask { (try? await node.bulkCodings.undo(bulk.id, of: survey, by: coder, at: now)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(undone.filter { $0 }.count == 1)
            #expect(try await b.textSearch.count(of: survey, query: nil, filters: TextSearchFilters(coded: true)) == 1)
            _ = try await a.themeBook.retire(theme.id, in: id, actor: coder.actor, at: now)
            await #expect(throws: ReadingRoomRefusal.themeClosed(theme.id, name: "Privacy")) {
                _ = try await b.bulkCodings.apply(to: survey, query: query, filters: TextSearchFilters(), theme: theme.id, by: coder, at: now)
            }
            #expect(try await a.bulkCodings.codableThemes(of: survey, includingClosed: true).map(\.open) == [false])
            let actions = try await a.auditLog(survey: id).map(\.action)
            #expect(actions.filter { $0 == "coding.bulk-applied" }.count == 2 && actions.filter { $0 == "coding.bulk-undone" }.count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func aCodebookIsImportedWholeOrNotAtAll(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let guid = UUID().uuidString
            let book = [CodebookTheme(
                guid: guid, name: "Rights", description: "d", colour: "#ABCDEF", retired: false,
                children: [CodebookTheme(guid: UUID().uuidString, name: "Privacy", description: "", colour: "#000000", retired: true,
                    children: [], line: 3)], line: 2)]
            let result = try await a.codebookImporter.importThemes(book, into: survey.id, by: "analyst:Ana", at: now)
            #expect(result.created == 2 && result.renamedGUIDs.isEmpty)
            let themes = try await b.themeBook.themes(of: survey.id.rawValue)
            #expect(themes.map(\.name) == ["Rights", "Privacy"] && themes[1].retiredAt == now && themes[0].guid == guid)
            await #expect(throws: CodebookImportRefusal.self) {
                _ = try await b.codebookImporter.importThemes(book, into: survey.id, by: "analyst:Ana", at: now)
            }
            #expect(try await a.themeBook.themes(of: survey.id.rawValue).count == 2)
            // Another survey: the same file, its guids renamed.
            let again = try await b.codebookImporter.importThemes(book, into: SurveyID("other-survey"), by: "analyst:Ana", at: now)
            #expect(again.created == 2 && again.renamedGUIDs.count == 2)
        }
    }
}
