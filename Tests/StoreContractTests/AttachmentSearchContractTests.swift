import ConsultCore
import ConsultStore
import Foundation
import Testing

/// The search of position papers' extracted text finds the same files on both engines: SQLite's FTS5
/// (`unicode61 remove_diacritics 2`) and PostgreSQL's tsvector, for every kind of query TextQuery allows.
@Suite struct AttachmentSearchContractTests {
    let survey = PaperSurvey.survey
    let now = PaperSurvey.now

    /// The papers (file name: extracted text) and who sent them.
    static let papers: [(name: String, sector: String, publication: String, text: String)] = [
        ("a.txt", "academia", "public_anonymous",
         "Neuronale Schnittstellen im Klassenzimmer. Data protection matters to every school."),
        ("b.txt", "industry", "public_named",
         "Café society: a naïve résumé of data-protection rules for well-being and PRIVACY."),
        ("c.txt", "civil_society", "confidential",
         "Privacy by design — consent, DATA retention and protection of neural data. Contact: office@example.org, 3.5 percent."),
        ("g.txt", "academia", "public_anonymous",
         (0..<400).map { "filler\($0)" }.joined(separator: " ") + " and at last the data protection clause."),
    ]

    /// Stores the papers through node `a` and `b`, a replaced one and a failed extraction; returns the searching node.
    func seed(_ a: any FileNode, _ b: any FileNode) async throws {
        for paper in Self.papers {
            let file = try await PaperSurvey.stage(Data(paper.name.utf8), on: a, name: paper.name)
            _ = try await PaperSurvey.submit([file], on: b, sector: paper.sector, publication: paper.publication)
        }
        // A paper replaced in an edit is not found; nor is one whose extraction failed.
        let replaced = try await PaperSurvey.stage(Data("replaced.txt".utf8), on: a, name: "replaced.txt")
        let edited = try await PaperSurvey.submit([replaced], on: a)
        let failed = try await PaperSurvey.stage(Data("failed.txt".utf8), on: a, name: "failed.txt")
        _ = try await b.replaceAnswers(
            of: edited.id, token: try #require(edited.editToken), with: try PaperSurvey.answers([failed]), survey: survey,
            receivedAt: now, fileOwner: PaperSurvey.owner
        ).accepted()
        let texts = Dictionary(uniqueKeysWithValues: Self.papers.map { ($0.name, $0.text) } + [
            ("replaced.txt", "Schnittstellen, ersetzt: data protection replaced"),
        ])
        for pending in try await a.attachmentTexts.pending(limit: 50) {
            let name = String(decoding: try #require(try await b.attachmentTexts.content(of: pending.id)), as: UTF8.self)
            let outcome: ExtractionOutcome = texts[name].map { .extracted(text: $0, pages: 1) } ?? .failed(reason: "unreadable")
            #expect(try await b.attachmentTexts.record(outcome, for: pending.id, at: now))
        }
    }

    /// The queries whose hits the contract fixes, with the papers each finds (in file order).
    static let expected: [(query: String, found: [String])] = [
        ("schnittstellen", ["a.txt"]),
        ("SCHNITTSTELLEN", ["a.txt"]),
        ("\"data protection\"", ["a.txt", "b.txt", "g.txt"]),
        ("data NOT privacy", ["a.txt", "g.txt"]),
        ("cafe", ["b.txt"]),
        ("résumé", ["b.txt"]),
        ("naive", ["b.txt"]),
        ("prot*", ["a.txt", "b.txt", "c.txt", "g.txt"]),
        ("\"data prot\"*", ["a.txt", "b.txt", "g.txt"]),
        ("(privacy OR naive) AND consent", ["c.txt"]),
        ("example", ["c.txt"]),
        ("3", ["c.txt"]),
        ("\"3 5\"", ["c.txt"]),
        ("\"well being\"", ["b.txt"]),
        ("klassenzimmer school", ["a.txt"]),
        ("privacy OR schnittstellen", ["a.txt", "b.txt", "c.txt"]),
        ("ersetzt", []),
        ("unreadable", []),
        ("filler399 and", ["g.txt"]),
        ("\"filler1 filler2\"", ["g.txt"]),
        ("\"filler2 filler1\"", []),
    ]

    @Test(arguments: Engine.all)
    func eachQueryFindsTheCurrentExtractedPapersFTS5Finds(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            try await seed(a, b)
            for (query, found) in Self.expected {
                let page = try await a.attachmentTextSearch.page(of: survey, query: try TextQuery(query), filters: TextSearchFilters())
                #expect(page.hits.map(\.file.fileName) == found, "\(query)")
                #expect(page.total == found.count && page.totalIsExact && page.next == nil, "\(query)")
            }
            let hit = try #require(
                try await b.attachmentTextSearch.page(of: survey, query: try TextQuery("schnittstellen"), filters: TextSearchFilters())
                    .hits.first)
            #expect(hit.snippet.pieces.contains { $0.highlighted && $0.text == "Schnittstellen" })
            #expect(hit.file.extraction == .extracted && hit.file.pages == 1 && hit.finalSector == "academia")
            #expect(hit.publication == .publicAnonymous && !hit.isConfidential)
            // A match deep in a long text: the snippet is cut around it.
            let deep = try #require(
                try await b.attachmentTextSearch.page(of: survey, query: try TextQuery("clause"), filters: TextSearchFilters())
                    .hits.first)
            #expect(deep.snippet.plainText.hasPrefix("…") && deep.snippet.pieces.contains { $0.highlighted && $0.text == "clause" })
        }
    }

    @Test(arguments: Engine.all)
    func filtersAndPagesAreTheSameOnBothEngines(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            try await seed(a, b)
            let search = b.attachmentTextSearch
            let data = try TextQuery("data")
            #expect(try await search.page(of: survey, query: data, filters: TextSearchFilters(sector: "industry")).hits
                .map(\.file.fileName) == ["b.txt"])
            let confidential = try await search.page(of: survey, query: data, filters: TextSearchFilters(publication: .confidential))
            #expect(confidential.hits.map(\.file.fileName) == ["c.txt"] && confidential.hits[0].isConfidential)
            #expect(try await search.page(of: survey, query: data, filters: TextSearchFilters(coded: true)).hits.isEmpty)
            #expect(try await search.page(of: survey, query: nil, filters: TextSearchFilters(coded: false)).total == 4)
            // Without a query: every current extracted paper, its text's start as the snippet.
            let all = try await search.page(of: survey, query: nil, filters: TextSearchFilters())
            #expect(all.hits.map(\.file.fileName) == ["a.txt", "b.txt", "c.txt", "g.txt"])
            #expect(all.hits[0].snippet.plainText == Self.papers[0].text)
            let long = Self.papers[3].text
            #expect(all.hits[3].snippet.plainText == String(long.prefix(240)) + "…")
            // Pages of two, by the keyset cursor.
            let first = try await search.page(of: survey, query: data, filters: TextSearchFilters(), after: nil, limit: 2)
            #expect(first.hits.map(\.file.fileName) == ["a.txt", "b.txt"] && first.total == 4 && first.next == first.hits.last?.id)
            let second = try await a.attachmentTextSearch.page(
                of: survey, query: data, filters: TextSearchFilters(), after: first.next, limit: 2)
            #expect(second.hits.map(\.file.fileName) == ["c.txt", "g.txt"] && second.next == nil)
        }
    }

    /// Queries at the edges of the syntax: whatever FTS5 finds, PostgreSQL finds.
    @Test func edgeQueriesFindTheSameOnBothEngines() async throws {
        let queries = [
            "\"...\"", "data AND \"--\"", "\"--\" OR privacy", "privacy NOT \"--\"", "d*", "DATA*", "\"é\"", "e", "office example",
            "\"example org\"", "org*", "(data OR privacy) NOT (consent OR naive)", "data privacy consent", "neural AND data",
            "\"data retention\" OR \"data protection\"", "Schnittstellen*", "filler3*", "well_being", "NAÏVE", "naïve*",
            // Letters FTS5 folds its own way (see letters.txt below).
            "s", "ſ", "σ", "ς", "й", "и", "ά", "α", "ǽ", "æ", "μ", "µ", "ﬁ", "fi", "x²", "x", "①", "ǡ", "a", "istanbul",
            "\"øre ł\"", "o", "l", "ß", "ss", "ǆemal", "ǅemal", "ωμεγα", "ωμέγα", "ёлка", "елка", "cafe", "ﬀ",
        ]
        var results: [[String]] = []
        for engine in Engine.all {
            try await engine.withTwoFileNodes { a, b in
                try await seed(a, b)
                let letters = try await PaperSurvey.stage(Data("letters.txt".utf8), on: a, name: "letters.txt")
                _ = try await PaperSurvey.submit([letters], on: b)
                let id = try #require(try await a.attachmentTexts.pending(limit: 1).first?.id)
                #expect(try await b.attachmentTexts.record(
                    .extracted(text: "ſ ς й ά ǽ µ ﬁ x² ① Ǡ İstanbul øre ł ß ǅemal Ωμέγα Ёлка cafe\u{301} ﬀ", pages: 1), for: id, at: now))
                var found: [String] = []
                for query in queries {
                    let page = try await a.attachmentTextSearch.page(of: survey, query: try TextQuery(query), filters: TextSearchFilters())
                    found.append("\(query): \(page.hits.map(\.file.fileName).joined(separator: " ")) (\(page.total))")
                }
                // The snippets too: the same words around the same highlighted spans (a phrase is one span).
                for query in ["schnittstellen", "clause", "\"data protection\"", "filler200", "prot*", "filler0", "filler399",
                    "data NOT privacy", "\"filler7 filler8\" OR filler9", "\"data prot\"*", "ǽ OR cafe"] {
                    for hit in try await b.attachmentTextSearch.page(of: survey, query: try TextQuery(query), filters: TextSearchFilters()).hits {
                        found.append("\(query) \(hit.file.fileName): " + hit.snippet.pieces.map { $0.highlighted ? "[\($0.text)]" : $0.text }.joined())
                    }
                }
                results.append(found)
            }
        }
        #expect(results.count == 2 && results[0].count == results[1].count)
        for (sqlite, postgres) in zip(results[0], results[1]) { #expect(sqlite == postgres) }
        #expect(results[0].contains("\"data protection\" b.txt: Café society: a naïve résumé of [data-protection] rules for well-being and PRIVACY."))
        #expect(results[0].contains("ά: letters.txt (1)") && results[0].contains("α:  (0)"))
        #expect(results[0].contains("d*: a.txt b.txt c.txt g.txt (4)"))
    }

    @Test(arguments: Engine.all)
    func aLongTextIsRecordedAndItsLastWordsAreFound(engine: Engine) async throws {
        try await engine.withTwoFileNodes { a, b in
            // 20,000 words (PostgreSQL keeps positions up to the 16,383rd), 60,000 more of 20 letters each
            // (more than a tsvector's megabyte of words), and a word of 3,000 letters (longer than one may be).
            let long = (0..<20_000).map { "w\($0)" }.joined(separator: " ") + " tail end"
            let many = (0..<60_000).map { "x" + String(repeating: "y", count: 13) + String(format: "%06d", $0) }.joined(separator: " ")
            let huge = String(repeating: "z", count: 3_000) + " after"
            let texts = ["long.txt": long, "many.txt": many, "huge.txt": huge]
            for name in texts.keys.sorted() {
                let file = try await PaperSurvey.stage(Data(name.utf8), on: a, name: name)
                _ = try await PaperSurvey.submit([file], on: b)
            }
            for pending in try await a.attachmentTexts.pending(limit: 10) {
                let name = String(decoding: try #require(try await b.attachmentTexts.content(of: pending.id)), as: UTF8.self)
                #expect(try await b.attachmentTexts.record(.extracted(text: try #require(texts[name]), pages: nil), for: pending.id, at: now))
            }
            for (query, found) in [("w19999", ["long.txt"]), ("tail", ["long.txt"]), ("w5", ["long.txt"]), ("\"w1 w2\"", ["long.txt"]),
                ("xyyyyyyyyyyyyy000000", ["many.txt"]), ("after", ["huge.txt"])] {
                let page = try await a.attachmentTextSearch.page(of: survey, query: try TextQuery(query), filters: TextSearchFilters())
                #expect(page.hits.map(\.file.fileName) == found, "\(query)")
            }
            let tail = try #require(
                try await b.attachmentTextSearch.page(of: survey, query: try TextQuery("tail"), filters: TextSearchFilters()).hits.first)
            #expect(tail.snippet.pieces.contains { $0.highlighted && $0.text == "tail" })
            #expect(tail.file.characters == long.unicodeScalars.count)
        }
    }
}
