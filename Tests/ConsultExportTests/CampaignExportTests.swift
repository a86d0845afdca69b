import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import GRDB
import Testing

/// campaigns: clusters written as the detector writes them (rows in campaign_cluster and
/// campaign_member), reviewed through the store, and exported: the counted-once tables against a
/// recount made here, the campaigns table, the raw export's cluster, and no confidential text anywhere.
@Suite(.serialized) struct CampaignExportTests {
    static let count = 400

    /// The clusters of the fixture: seqs of each, the representative first.
    struct Clusters {
        var ids: [String: Int64] = [:]
        var members: [String: [Int64]] = [:]
        var reviewer: Int64 = 0
    }

    /// Fills open_text (synthetic imports skip it), adds a reviewer token, makes the members of
    /// `confidential` confidential with a marker in every text they wrote, and writes the clusters.
    static func insertClusters(_ fixture: ExportFixture, _ plan: [(name: String, seqs: [Int64])], confidential: [Int64])
        throws -> Clusters
    {
        let queue = try DatabaseQueue(path: fixture.folder.appendingPathComponent("consult.sqlite").path)
        defer { try? queue.close() }
        var clusters = Clusters()
        try queue.write { db in
            let marks = confidential.map(String.init).joined(separator: ",")
            try db.execute(sql: """
                UPDATE submission SET publication = 'confidential' WHERE seq IN (\(marks));
                UPDATE answer_value SET text = 'SECRET-' || submission_seq || ' ' || text WHERE text IS NOT NULL AND submission_seq IN (\(marks));
                UPDATE submission SET other_sector_text = 'SECRET-' || seq || ' ' || other_sector_text
                    WHERE other_sector_text IS NOT NULL AND seq IN (\(marks));
                INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
                    SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
                    FROM answer_value a JOIN answer_code q ON q.id = a.question
                    WHERE a.text IS NOT NULL ORDER BY a.submission_seq, a.position;
                INSERT INTO role_token (role, name, token_hash, created_at_ms) VALUES ('analyst', 'Ana', randomblob(32), 1);
                """)
            clusters.reviewer = db.lastInsertedRowID
            for (name, seqs) in plan {
                try db.execute(
                    sql: "INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms) VALUES (?, '', ?, 1)",
                    arguments: [fixture.survey.id.rawValue, seqs[0]])
                let id = db.lastInsertedRowID
                for (index, seq) in seqs.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms) VALUES (?, '', ?, ?, 2)",
                        arguments: [seq, id, index == 0 ? 1.0 : 0.9 - Double(index) / 100])
                }
                clusters.ids[name] = id
                clusters.members[name] = seqs
            }
        }
        return clusters
    }

    static func reviewer(_ clusters: Clusters, _ reason: String = "mail-merge letter") throws -> CampaignReviewer {
        CampaignReviewer(tokenID: clusters.reviewer, actor: "analyst:Ana", reason: try AuditReason(reason), at: Date(timeIntervalSince1970: 1_762_000_000))
    }

    @Test func countedOnceTablesEqualARecountAndNoConfidentialTextIsExported() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: Self.count, seed: 11)
        defer { fixture.remove() }
        // Seq n is the n-th stored submission (the fixture imports them in order).
        let a = Array(Int64(1)...12), b = Array(Int64(20)...26), c = Array(Int64(30)...33), d = Array(Int64(40)...45)
        let clusters = try Self.insertClusters(
            fixture, [("a", a), ("b", b), ("c", c), ("d", d)], confidential: [1] + d)
        let review = fixture.database.campaignReview
        let survey = fixture.survey.id.rawValue
        for name in ["a", "b", "c"] { _ = try await review.confirm(clusters.ids[name]!, in: survey, by: try Self.reviewer(clusters)) }
        _ = try await review.dismiss(clusters.ids["d"]!, in: survey, by: try Self.reviewer(clusters, "independent letters"))
        // Taken out of campaign a by an analyst: counts as usual.
        let ids = try Self.submissionIDs(fixture)
        let pseudonym = { (seq: Int64) in fixture.database.pseudonyms.pseudonym(for: ids[seq]!) }
        try await review.move(pseudonym(12), of: clusters.ids["a"]!, to: nil, in: survey, by: try Self.reviewer(clusters, "own words"))

        // The recount: a and b are confirmed campaigns (c is below the minimum size of 5, d dismissed);
        // each counts as its representative (a's is seq 1, b's seq 20).
        let leftOut = Set(a.filter { $0 != 1 && $0 != 12 } + b.filter { $0 != 20 })
        let counted = fixture.stored.enumerated().filter { !leftOut.contains(Int64($0.offset + 1)) }.map(\.element)
        #expect(counted.count == Self.count - 16)

        let files = try await fixture.export(.analysis, .csv)
        let tables = try ExportFixture.parseCSV(files)
        var bySector: [String: Int] = [:]
        for entry in counted { bySector[entry.profile.finalSector.rawValue, default: 0] += 1 }
        let sectorRows = tables["sectors_counted_once"] ?? []
        #expect(sectorRows.count == fixture.survey.sectors.count + 2)
        for row in sectorRows {
            let expected = row["sector"] == "all" ? counted.count : bySector[row["sector"] ?? ""] ?? 0
            #expect(Int(row["respondents"] ?? "") == expected, "sector \(row["sector"] ?? "")")
        }
        // The every-submission table still counts everyone.
        #expect(tables["respondents_by_sector"]?.first { $0["sector"] == "all" }?["respondents"] == String(Self.count))

        var optionCounts: [String: Int] = [:], bases: [String: Int] = [:]
        for entry in counted {
            let sector = entry.profile.finalSector.rawValue
            for (question, answer) in entry.answers.answers {
                let picked: [OptionID]
                switch answer {
                case .choice(let id, _): picked = [id]
                case .choices(let ids, _): picked = ids
                default: continue
                }
                for group in ["all", sector] {
                    bases["\(question)|\(group)", default: 0] += 1
                    for id in picked { optionCounts["\(question)|\(id)|\(group)", default: 0] += 1 }
                }
            }
        }
        let choices = tables["choices_counted_once"] ?? []
        #expect(choices.count == (tables["choices"] ?? []).count && !choices.isEmpty)
        var differ = 0
        for (row, full) in zip(choices, tables["choices"] ?? []) {
            let question = row["question"] ?? "", option = row["option"] ?? "", sector = row["sector"] ?? ""
            #expect(Int(row["respondents"] ?? "") == optionCounts["\(question)|\(option)|\(sector)"] ?? 0, "\(question) \(option) \(sector)")
            #expect(Int(row["base"] ?? "") == bases["\(question)|\(sector)"] ?? 0, "\(question) \(sector)")
            if row["respondents"] != full["respondents"] { differ += 1 }
        }
        #expect(differ > 0)

        // The campaigns table: a, b and d (c is too small); a's detector representative is
        // confidential, so another member stands for it; every member of d is confidential.
        let campaigns = tables["campaigns"] ?? []
        #expect(campaigns.map { $0["campaign"] ?? "" } == ["a", "b", "d"].map { String(clusters.ids[$0]!) })
        #expect(campaigns.map { $0["size"] ?? "" } == ["11", "7", "6"])
        #expect(campaigns.map { $0["review"] ?? "" } == ["confirmed", "confirmed", "dismissed"])
        let aMembers = Set(a.filter { $0 != 1 && $0 != 12 }.map(pseudonym))
        #expect(aMembers.contains(campaigns[0]["representative"] ?? ""))
        #expect(!(campaigns[0]["representative_text"] ?? "").isEmpty && campaigns[0]["text_withheld"] == "")
        #expect(Set(b.map(pseudonym)).contains(campaigns[1]["representative"] ?? ""))
        #expect(campaigns[2]["representative"] == "" && campaigns[2]["representative_text"] == "" && campaigns[2]["text_withheld"] == "confidential")

        // The raw export's cluster column, in CSV and in XML valid under responses.xsd.
        let raw = try #require(try ExportFixture.parseCSV(try await fixture.export(.raw, .csv))["responses"])
        #expect(raw.count == Self.count)
        for (index, row) in raw.enumerated() {
            let seq = Int64(index + 1)
            let expected = [("a", a), ("b", b), ("c", c), ("d", d)].first { $0.1.contains(seq) && seq != 12 }.map { String(clusters.ids[$0.0]!) } ?? ""
            #expect(row["cluster"] == expected, "seq \(seq)")
        }
        let xmlFiles = try await fixture.export(.raw, .xml)
        let xml = try #require(xmlFiles.first { $0.lastPathComponent == "responses.xml" })
        #expect(try ExportFixture.schemaErrors(xml, schema: "Exports/responses.xsd") == "")
        let xmlText = try String(contentsOf: xml, encoding: .utf8)
        #expect(xmlText.components(separatedBy: "cluster=\"\(clusters.ids["b"]!)\"").count - 1 == b.count)
        let analysisXML = try #require(try await fixture.export(.analysis, .xml).first { $0.pathExtension == "xml" })
        #expect(try ExportFixture.schemaErrors(analysisXML, schema: "Exports/analysis.xsd") == "")
        #expect(try String(contentsOf: analysisXML, encoding: .utf8).contains("counted_once_left_out=\"16\""))

        // No confidential respondent's text in any export.
        var everything = files + xmlFiles + [analysisXML]
        everything += try await fixture.export(.raw, .csv)
        for file in everything {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("SECRET-"), "\(file.lastPathComponent)")
        }
        // The markers are there to be found: the confidential texts exist in the store.
        let shown = try await review.texts(of: [1], survey: fixture.survey)[1]
        #expect(shown?.disclosed == false)
    }

    @Test func reviewsAreAuditedRefusedWhenTheyBreakTheRulesAndSurviveARestart() async throws {
        let fixture = try await ExportFixture(surveyFile: "Surveys/neurotech-2025.yaml", count: 40, seed: 3)
        // The database is closed below (the restart), so only the folder is removed here.
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let clusters = try Self.insertClusters(fixture, [("a", Array(1...8)), ("b", [10, 11]), ("c", [20, 21, 22])], confidential: [])
        let review = fixture.database.campaignReview
        let survey = fixture.survey.id.rawValue
        let ids = try Self.submissionIDs(fixture)
        let pseudonym = { (seq: Int64) in fixture.database.pseudonyms.pseudonym(for: ids[seq]!) }
        let a = clusters.ids["a"]!, b = clusters.ids["b"]!, c = clusters.ids["c"]!

        #expect(try await review.clusters(of: survey).map(\.id) == [a, c, b])
        let confirmed = try await review.confirm(a, in: survey, by: try Self.reviewer(clusters))
        #expect(confirmed.review == .confirmed && confirmed.reviewedAt != nil)
        _ = try await review.dismiss(b, in: survey, by: try Self.reviewer(clusters, "two people, same NGO template"))
        let split = try await review.split(a, members: [pseudonym(7), pseudonym(8)], in: survey, by: try Self.reviewer(clusters, "a second letter"))
        #expect(split.size == 2 && split.review == .unreviewed && split.representativeSeq == 7)
        try await review.move(pseudonym(6), of: a, to: c, in: survey, by: try Self.reviewer(clusters, "closer to c"))
        // Moving the representative out points the cluster at another member.
        try await review.move(pseudonym(1), of: a, to: nil, in: survey, by: try Self.reviewer(clusters, "own words"))
        #expect(try await review.cluster(a, of: survey).representativeSeq == 2)

        let audit = try await fixture.database.auditLog(survey: survey)
        #expect(audit.map(\.action) == ["campaign.confirmed", "campaign.dismissed", "campaign.split", "campaign.member-moved", "campaign.member-moved"])
        #expect(audit.allSatisfy { $0.actor == "analyst:Ana" && $0.subject?.hasPrefix("campaign-cluster:") == true })
        #expect(audit[0].oldValue == "unreviewed" && audit[0].newValue == "confirmed" && audit[0].reason == "mail-merge letter")
        #expect(audit[3].newValue == "cluster \(c): \(pseudonym(6))")

        // Refusals change nothing.
        let before = try await review.clusters(of: survey)
        let auditCount = audit.count
        await #expect(throws: CampaignRefusal.unknownCluster(999)) { try await review.confirm(999, in: survey, by: try Self.reviewer(clusters)) }
        await #expect(throws: CampaignRefusal.self) { try await review.move(pseudonym(10), of: b, to: nil, in: survey, by: try Self.reviewer(clusters)) }
        await #expect(throws: CampaignRefusal.unknownMember(pseudonym(30))) {
            try await review.move(pseudonym(30), of: a, to: nil, in: survey, by: try Self.reviewer(clusters))
        }
        await #expect(throws: CampaignRefusal.self) {
            try await review.split(a, members: [pseudonym(2), pseudonym(3), pseudonym(4)], in: survey, by: try Self.reviewer(clusters))
        }
        await #expect(throws: CampaignRefusal.self) { try await review.move(pseudonym(2), of: a, to: a, in: survey, by: try Self.reviewer(clusters)) }
        let anonymous = CampaignReviewer(tokenID: nil, actor: "analyst:x", reason: try AuditReason("x"), at: Date())
        await #expect(throws: CampaignRefusal.noReviewer) { try await review.move(pseudonym(2), of: a, to: nil, in: survey, by: anonymous) }
        #expect(try await review.clusters(of: survey) == before)
        #expect(try await fixture.database.auditLog(survey: survey).count == auditCount)

        // After a restart the clusters, members and reviews are as they were.
        try fixture.database.close()
        let reopened = try ConsultDatabase(path: fixture.folder.appendingPathComponent("consult.sqlite").path)
        defer { try? reopened.close() }
        #expect(try await reopened.campaignReview.clusters(of: survey) == before)
        #expect(try await reopened.campaignReview.members(of: c, survey: survey).map(\.seq).sorted() == [6, 20, 21, 22])
        #expect(try await reopened.campaignReview.members(of: c, survey: survey).first { $0.seq == 6 }?.placedByAnalyst == true)
    }
}

extension CampaignExportTests {
    /// Submission id by seq, read from the file.
    static func submissionIDs(_ fixture: ExportFixture) throws -> [Int64: String] {
        let queue = try DatabaseQueue(path: fixture.folder.appendingPathComponent("consult.sqlite").path)
        defer { try? queue.close() }
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT seq, id FROM submission").map { ($0[0] as Int64, $0[1] as String) })
        }
    }
}
