import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import Testing

/// The reading room's roles, on every engine that has them (issue 18).
protocol ReadingRoomNode: ContractStore {
    var textSearch: any TextSearch { get }
    var respondents: any RespondentDirectory { get }
    var themeBook: any ThemeBook { get }
    var codingLedger: any CodingLedger { get }
    var themeCounts: any ThemeCounts { get }
    var codebookImporter: any CodebookImporter { get }
    var bulkCodings: any BulkCodings { get }
    var openTextScan: any OpenTextScan { get }
    var textLanguageCounts: any TextLanguageCounts { get }
    var codedTexts: any CodedTexts { get }
}

extension ConsultDatabase: ReadingRoomNode {}
extension PostgresStore: ReadingRoomNode {}

/// The reading room's texts and search: both engines find the same texts for the same queries (FTS5's
/// words: accents, case, phrases, prefixes, punctuation, non-Latin scripts), with the same counts,
/// order, pages and snippets, and keep the texts in the storing and editing transactions.
@Suite struct ReadingRoomContractTests {
    let survey = ContractSurvey.survey

    /// Texts of `uses_comments` (index i) and `risks_comments` (the next one, wrapping), one respondent each.
    static let corpus = [
        "Naïve café owners worry about well-being and Mental Privacy.",
        "L’État doit protéger la vie privée ; les données neuronales sont sensibles.",
        "Привет мир: нейроданные требуют защиты, PRIVACY too.",
        "東京都 の データ 保護 and privacy",
        "E-mail foo@bar.com or call 3.5 times; court-ordered EEG.",
        "ÅNGSTRÖM and angstrom; Straße STRASSE ǅemal",
        "privacy privacy consent\u{0}hidden after NUL",
        "The quick brown fox — jumps over “quoted” words, well being.",
        "mental health, not privacy; \"quoted\" again",
        "Courts, courtrooms and COURTESY; consent to mental privacy is data protection",
        "l'etat c'est moi: x\u{303}y and \u{E000}marked\u{E001} privacy",
        String(repeating: "filler words before the match ", count: 40) + "brain data privacy at the end",
    ]

    /// Queries as an analyst would type them; each is read by ``TextQuery`` first.
    static let queries = [
        "privacy", "mental", "cafe", "CAFÉ", "naive", "naïve*", "\"well being\"", "\"well-being\"", "\"mental privacy\"", "priv*", "PRIV*",
        "\"données neuro\"*", "etat", "l’état", "\"l'état\"", "привет", "ПРИВЕТ", "нейро*", "東京都", "東京*", "\"foo@bar.com\"",
        "\"3.5\"", "court", "court*", "court* NOT eeg", "angstrom", "straße", "strasse", "ǆemal", "hidden", "privacy NOT consent",
        "privacy OR mental", "(privacy OR données) AND (mental OR nul)", "privacy mental", "\"—\"", "naive OR \"—\"",
        "mental NOT \"—\"", "\"—\" NOT mental", "quoted", "\"\"\"quoted\"\"\"", "xy", "marked", "brain AND data AND end",
        "😀", "\"the match brain\"", "protec*",
    ]

    func answers(
        uses: String, risks: String, role: String? = nil, sector: String = "academia", publication: String = "public_anonymous",
        name: String? = nil, otherSector: String? = nil
    ) throws -> AnswerSet {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else {
            throw ContractFailure("the survey has no matrix question rights_concern")
        }
        var values: [String: JSONValue] = [
            "sector": .string(sector), "country": .string("FR"), "organisation_size": .string("size_1_9"),
            "familiarity": .number(4), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: items.map { ($0.id.rawValue, JSONValue.number(3)) })),
            "publication": .string(publication), "uses_comments": .string(uses), "risks_comments": .string(risks),
        ]
        if let role { values["role"] = .string(role) }
        if let name { values["respondent_name"] = .string(name) }
        if let otherSector { values["sector"] = .object(["choice": .string("other"), "other": .string(otherSector)]) }
        return try survey.check(values, as: .submission)
    }

    /// What a hit is, the same on every engine: the corpus index of its respondent, the field and the snippet.
    struct Found: Hashable, CustomStringConvertible {
        let respondent: Int
        let field: String
        let snippet: [HighlightedSnippet.Piece]
        let codings: Int
        let language: String
        // U+0000 shown escaped: test output stops at one.
        var description: String {
            "\(respondent)/\(field) " + snippet.map { $0.highlighted ? "[\($0.text)]" : $0.text }.joined()
                .replacingOccurrences(of: "\u{0}", with: "\\0")
        }
    }

    /// Everything the searches answer on one engine, after storing the corpus on node a (read on node b).
    func searchResults(on engine: Engine) async throws -> [String: [Found]] {
        var results: [String: [Found]] = [:]
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            var respondents: [String: Int] = [:]
            for (index, text) in Self.corpus.enumerated() {
                let accepted = try await a.submit(
                    try answers(
                        uses: text, risks: Self.corpus[(index + 1) % Self.corpus.count], role: index == 3 ? "privacy officer" : nil,
                        sector: index.isMultiple(of: 2) ? "academia" : "industry"),
                    to: survey, receivedAt: ContractSurvey.whileOpen, idempotency: nil, fileOwner: nil, client: nil
                ).accepted()
                respondents[b.pseudonyms.pseudonym(for: accepted.id)] = index
            }
            func found(_ page: TextSearchPage) throws -> [Found] {
                try page.hits.map { hit in
                    Found(
                        respondent: try #require(respondents[hit.respondent]), field: "\(hit.field.storedQuestion).\(hit.field.kind)",
                        snippet: hit.snippet.pieces, codings: hit.codings, language: hit.language.code)
                }
            }
            for text in Self.queries {
                let query = try TextQuery(text)
                for (name, filters) in [("", TextSearchFilters()), (" in industry", TextSearchFilters(sector: "industry")),
                    (" in risks", TextSearchFilters(question: "risks_comments"))]
                {
                    let page = try await b.textSearch.page(of: survey, query: query, filters: filters, after: nil, limit: 200)
                    let count = try await b.textSearch.count(of: survey, query: query, filters: filters)
                    #expect(page.total == count && page.totalIsExact && page.hits.count == count, "\(text)")
                    results[text + name] = try found(page)
                }
            }
            // Without a query: every text, in the same order, with the same opening snippets.
            results["(none)"] = try found(
                try await b.textSearch.page(of: survey, query: nil, filters: TextSearchFilters(), after: nil, limit: 200))
            for verdict in LanguageVerdict.allCases {
                results["(\(verdict))"] = try found(try await b.textSearch.page(
                    of: survey, query: nil, filters: TextSearchFilters(language: .verdict(verdict)), after: nil, limit: 200))
            }
            results["(fr)"] = try found(try await b.textSearch.page(
                of: survey, query: nil, filters: TextSearchFilters(language: .language(.language("fr"))), after: nil, limit: 200))
        }
        return results
    }

    @Test func bothEnginesFindTheSameTextsWithTheSameSnippets() async throws {
        let sqlite = try await searchResults(on: .sqlite)
        let postgres = try await searchResults(on: .postgres)
        #expect(sqlite.keys.sorted() == postgres.keys.sorted())
        for key in sqlite.keys.sorted() {
            let (left, right) = (sqlite[key] ?? [], postgres[key] ?? [])
            let differing = zip(left, right).filter { $0 != $1 }.map { "\($0.0) ≠ \($0.1)" }
            #expect(left == right, "\(key): \(left.count) vs \(right.count) hits; first differences \(differing.prefix(2))")
        }
        // SQLite's FTS5 is the reference; a few answers pinned so that both engines cannot be wrong alike.
        func hits(_ key: String) -> Set<Int> { Set((sqlite[key] ?? []).map(\.respondent)) }
        #expect(hits("cafe") == [0, 11])  // 11's risks text is corpus 0
        #expect(hits("\"well being\"") == [0, 6, 7, 11])
        #expect(hits("etat") == [0, 1, 9, 10])
        #expect(hits("\"—\"").isEmpty && hits("😀").isEmpty)
        #expect(hits("naive OR \"—\"") == hits("naive") && hits("mental NOT \"—\"") == hits("mental"))
        #expect(hits("hidden") == [5, 6])
        #expect(hits("ПРИВЕТ") == [1, 2])
        #expect(hits("(none)").count == 12 && (sqlite["(none)"] ?? []).count == 25)
        #expect(hits("privacy in industry").allSatisfy { !$0.isMultiple(of: 2) } && !hits("privacy in industry").isEmpty)
        #expect(sqlite["privacy"]?.contains { $0.snippet.contains { $0.highlighted && $0.text == "Privacy" } } == true)
    }

    @Test(arguments: Engine.all)
    func editsKeepUnchangedTextsAndTheirIdsAndPagesCoverEveryHitOnce(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            var accepted: [AcceptedSubmission] = []
            for index in 0..<9 {
                accepted.append(try await a.submit(
                    try answers(uses: "privacy matters \(index)", risks: "risk \(index) of privacy loss"),
                    to: survey, receivedAt: ContractSurvey.whileOpen, idempotency: nil, fileOwner: nil, client: nil
                ).accepted())
            }
            let privacy = try TextQuery("privacy")
            let before = try await b.textSearch.page(of: survey, query: privacy, filters: TextSearchFilters(), after: nil, limit: 200)
            #expect(before.hits.count == 18)
            // Edited on node b: the uses text unchanged, the risks text changed; read on node a.
            _ = try await b.replaceAnswers(
                of: accepted[4].id, token: try #require(accepted[4].editToken),
                with: try answers(uses: "privacy matters 4", risks: "a new worry about courts"), survey: survey,
                receivedAt: ContractSurvey.whileOpen.addingTimeInterval(60), fileOwner: nil
            ).accepted()
            let after = try await a.textSearch.page(of: survey, query: privacy, filters: TextSearchFilters(), after: nil, limit: 200)
            #expect(after.hits.count == 17)
            let pseudonym = a.pseudonyms.pseudonym(for: accepted[4].id)
            let kept = before.hits.filter { $0.respondent == pseudonym && $0.field.question == "uses_comments" }.map(\.id)
            #expect(kept.count == 1 && kept == after.hits.filter { $0.respondent == pseudonym }.map(\.id))
            #expect(after.hits.first { $0.respondent == pseudonym }?.version == 2)
            let courts = try await a.textSearch.page(
                of: survey, query: try TextQuery("courts"), filters: TextSearchFilters(), after: nil, limit: 200)
            #expect(courts.hits.map(\.respondent) == [pseudonym])
            // The changed text kept its row: the same id, the new words.
            let risksID = before.hits.first { $0.respondent == pseudonym && $0.field.question == "risks_comments" }?.id
            #expect(courts.hits.first?.id == risksID && risksID != nil)
            // Keyset pages of 4: every hit once, in id order, the same as the single page.
            var seen: [Int64] = []
            var cursor: Int64?
            repeat {
                let page = try await a.textSearch.page(of: survey, query: privacy, filters: TextSearchFilters(), after: cursor, limit: 4)
                #expect(page.hits.count <= 4 && page.total == 17)
                seen += page.hits.map(\.id)
                cursor = page.next
            } while cursor != nil
            #expect(seen == after.hits.map(\.id) && seen == seen.sorted())
            // A text removed by an edit leaves the search.
            _ = try await a.replaceAnswers(
                of: accepted[5].id, token: try #require(accepted[5].editToken),
                with: try answers(uses: "nothing to say", risks: "none"), survey: survey,
                receivedAt: ContractSurvey.whileOpen.addingTimeInterval(120), fileOwner: nil
            ).accepted()
            #expect(try await b.textSearch.count(of: survey, query: privacy, filters: TextSearchFilters()) == 15)
        }
    }

    @Test(arguments: Engine.all)
    func aTextWithAWordTooLongForATsvectorIsStoredAndFoundByItsOtherWords(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            // 2,400 letters of two bytes each: one word of 4,800 bytes, past PostgreSQL's 2,047-byte lexemes.
            let long = String(repeating: "é", count: 2_400)
            let accepted = try await a.submit(
                try answers(uses: "before \(long) after", risks: long), to: survey, receivedAt: ContractSurvey.whileOpen,
                idempotency: nil, fileOwner: nil, client: nil
            ).accepted()
            let found = try await b.textSearch.page(
                of: survey, query: try TextQuery("before AND after"), filters: TextSearchFilters(), after: nil, limit: 10)
            #expect(found.hits.map(\.respondent) == [b.pseudonyms.pseudonym(for: accepted.id)])
            #expect(try await b.textSearch.count(of: survey, query: nil, filters: TextSearchFilters()) == 2)
            // The long word itself (a query holds at most 500 characters, so only by a prefix): found by SQLite's
            // index, not by PostgreSQL's (see README); never an error.
            let byLongWord = try await b.textSearch.count(
                of: survey, query: try TextQuery(String(repeating: "e", count: 400) + "*"), filters: TextSearchFilters())
            #expect(byLongWord == (engine.name == "SQLite" ? 2 : 0))
        }
    }

    @Test(arguments: Engine.all)
    func unknownThemeFilterIsRefused(engine: Engine) async throws {
        try await engine.withTwoNodes { a, _ in
            let a = a as! any ReadingRoomNode
            await #expect(throws: ReadingRoomRefusal.unknownTheme(42)) {
                _ = try await a.textSearch.count(of: survey, query: nil, filters: TextSearchFilters(theme: 42))
            }
        }
    }

    @Test(arguments: Engine.all)
    func theRespondentDirectoryFindsASubmissionByItsPseudonym(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (a, b) = (a as! any ReadingRoomNode, b as! any ReadingRoomNode)
            let accepted = try await a.submit(
                try answers(uses: "first\u{0}words", risks: "r"), to: survey, receivedAt: ContractSurvey.whileOpen,
                idempotency: nil, fileOwner: nil, client: nil
            ).accepted()
            let edited = try answers(uses: "second words", risks: "r")
            _ = try await a.replaceAnswers(
                of: accepted.id, token: try #require(accepted.editToken), with: edited, survey: survey,
                receivedAt: ContractSurvey.whileOpen.addingTimeInterval(5), fileOwner: nil
            ).accepted()
            let pseudonym = b.pseudonyms.pseudonym(for: accepted.id)
            let latest = try #require(try await b.respondents.file(pseudonym, of: survey.id.rawValue, allVersions: false))
            #expect(latest.version == 2 && latest.versions.map(\.number) == [2] && latest.respondent == pseudonym)
            #expect(latest.current?.answersJSON == edited.canonicalText && latest.country == "FR" && latest.finalSector == "academia")
            let all = try #require(try await b.respondents.file(pseudonym, of: survey.id.rawValue, allVersions: true))
            #expect(all.versions.map(\.number) == [1, 2])
            #expect(all.versions.first?.answersJSON.contains("first\\u0000words") == true)
            #expect(try await b.respondents.answersJSON(of: latest.seq, version: 1) == all.versions.first?.answersJSON)
            #expect(try await b.respondents.answersJSON(of: latest.seq, version: 3) == nil)
            #expect(try await b.respondents.file(pseudonym, of: "another-survey", allVersions: false) == nil)
            #expect(try await b.respondents.file("r-nobody", of: survey.id.rawValue, allVersions: false) == nil)
        }
    }
}
