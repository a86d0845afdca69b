import ConsultCore
import ConsultPostgres
import ConsultStore
import Foundation
import Testing

/// campaigns: the roles a node needs for the campaign contract (both engines have them).
protocol CampaignNode: Sendable {
    var campaignReview: any CampaignReview { get }
    var campaignCounting: any CampaignCounting { get }
    var campaignSignals: any CampaignSignalStore { get }
    func campaignDetector(surveys: [Survey]) -> any CampaignDetector
}

extension ConsultDatabase: CampaignNode {}
extension PostgresStore: CampaignNode {}

/// The campaign roles on both engines: the same submissions make the same clusters (members, sizes,
/// representatives), edits move submissions between clusters, nodes catching up or rebuilding at
/// once end as one node placing them one by one, and review, counting and signals agree. Each test
/// runs its scenario on SQLite and on PostgreSQL and compares what both return, beside what it must be.
@Suite struct CampaignContractTests {
    static let survey = ContractSurvey.survey
    static let surveyID = survey.id.rawValue
    static let now = ContractSurvey.whileOpen

    static let letterA = """
        I am writing to urge the Commission to ban the use of brain scans as lie detectors in criminal courts. \
        Neural data reveals our most private thoughts and must be protected as sensitive personal data. \
        No person should ever be compelled to undergo neurotechnology testing without free and informed consent.
        """
    static let letterB = """
        Consumer headsets that read attention and emotion are sold without any oversight today. Companies keep \
        the recordings for years, share them with advertisers and train models on them. A licence for sellers \
        and a public register of devices would end this trade in our minds.
        """
    static let independent = """
        Our forensic laboratory evaluated EEG based memory detection for five years; error rates stay far too \
        high for evidence, and validation studies with realistic suspects are still missing from the literature.
        """

    /// A mail-merge variant of `letter`: a name and a place inserted, a word swapped.
    static func variant(_ letter: String, _ number: Int) -> String {
        let names = ["Ana Souza", "Piotr Nowak", "Lea Martin", "Omar Haddad", "Ines Costa", "Jon Berg"]
        let places = ["Porto", "Gdansk", "Lyon", "Amman", "Braga", "Bergen"]
        let swaps = [("urge", "ask"), ("private", "intimate"), ("sold", "marketed"), ("years", "decades")]
        let swap = swaps[number % swaps.count]
        return "My name is \(names[number % names.count]) from \(places[number % places.count]). "
            + letter.replacingOccurrences(of: swap.0, with: swap.1)
    }

    /// Answers with `text` in `uses_comments` and one long organisation name (personal: never fingerprinted).
    static func answers(_ text: String, sector: String = "academia", familiarity: Double = 4) throws -> AnswerSet {
        guard case .matrix(let items, _)? = survey.question("rights_concern")?.kind else {
            throw ContractFailure("the survey has no matrix question rights_concern")
        }
        return try survey.check([
            "sector": .string(sector), "country": .string("PT"), "organisation_size": .string("size_1_9"),
            "organisation": .string("The Very Same Long Organisation Name For Every Respondent In This Test Campaign"),
            "familiarity": .number(familiarity), "technologies_known": .array([.string("eeg_erp")]),
            "rights_concern": .object(Dictionary(uniqueKeysWithValues: items.map { ($0.id.rawValue, JSONValue.number(3)) })),
            "publication": .string("public_anonymous"), "uses_comments": .string(text),
        ], as: .submission)
    }

    /// What one scenario stored: each submission by a label the test gives it. Unchecked: a scenario
    /// submits one at a time (at most one task stores while others only place), and reads it after.
    final class Ledger: @unchecked Sendable {
        var accepted: [String: AcceptedSubmission] = [:]
        var labels: [String: String] = [:]

        func submit(
            _ label: String, _ text: String, on node: any ContractStore, sector: String = "academia", client: String? = nil,
            familiarity: Double = 4
        ) async throws {
            let done = try await node.submit(
                CampaignContractTests.answers(text, sector: sector, familiarity: familiarity), to: CampaignContractTests.survey,
                receivedAt: CampaignContractTests.now, idempotency: nil, fileOwner: nil, client: client
            ).accepted()
            accepted[label] = done
            labels[done.id] = label
        }

        func edit(_ label: String, to text: String, on node: any ContractStore, after seconds: Double) async throws {
            let submission = try #require(accepted[label])
            _ = try await node.replaceAnswers(
                of: submission.id, token: submission.editToken ?? "", with: CampaignContractTests.answers(text),
                survey: CampaignContractTests.survey, receivedAt: CampaignContractTests.now.addingTimeInterval(seconds), fileOwner: nil
            ).accepted()
        }

        /// The label of each pseudonymous respondent id `node` shows.
        func byPseudonym(_ node: any ContractStore) -> [String: String] {
            Dictionary(uniqueKeysWithValues: labels.map { (node.pseudonyms.pseudonym(for: $0.key), $0.value) })
        }
    }

    static func campaigns(_ node: any ContractStore) -> any CampaignNode { node as! any CampaignNode }

    /// Places everything queued, `limit` a call, until nothing is queued (another node may take some).
    static func drain(_ detector: any CampaignDetector, limit: Int = 256) async throws {
        repeat {
            _ = try await detector.catchUp(at: now, limit: limit)
        } while !(try await detector.pending().isEmpty)
    }

    /// The survey's clusters in `scopes` as the contract compares them: members by label, size,
    /// representative and review, one line per cluster, sorted.
    static func view(_ node: any ContractStore, _ ledger: Ledger, scopes: [String] = ["", "uses_comments"]) async throws
        -> [String]
    {
        let review = campaigns(node).campaignReview
        let names = ledger.byPseudonym(node)
        var lines: [String] = []
        for scope in scopes {
            for cluster in try await review.clusters(of: surveyID, scope: scope) {
                let members = try await review.members(of: cluster.id, survey: surveyID)
                let labels = members.map { names[$0.respondent] ?? "?" }.sorted()
                let representative = members.first { $0.seq == cluster.representativeSeq }.map { names[$0.respondent] ?? "?" } ?? "-"
                lines.append(
                    "\(scope)|\(labels.joined(separator: ","))|size \(cluster.size)|rep \(representative)|\(cluster.review.rawValue)")
            }
        }
        return lines.sorted()
    }

    // MARK: Clusters

    @Test func theSameSubmissionsAndEditsMakeTheSameClustersOnBothEngines() async throws {
        var views: [[[String]]] = []
        for engine in Engine.all {
            try await engine.withTwoNodes { a, b in
                let ledger = Ledger()
                var stages: [[String]] = []
                for number in 0..<3 { try await ledger.submit("A\(number)", Self.variant(Self.letterA, number), on: number == 1 ? b : a) }
                for number in 0..<2 { try await ledger.submit("B\(number)", Self.variant(Self.letterB, number), on: b) }
                try await ledger.submit("short", "No, thank you.", on: a)
                // A PostgreSQL node keeps its detector and follows the other node's placements; one
                // SQLite file has one detector at a time, so there each step takes a new one (a restart).
                let keptA = Self.campaigns(a).campaignDetector(surveys: [Self.survey])
                let keptB = Self.campaigns(b).campaignDetector(surveys: [Self.survey])
                let isSQLite = engine.name == Engine.sqlite.name
                var detectorA: any CampaignDetector { isSQLite ? Self.campaigns(a).campaignDetector(surveys: [Self.survey]) : keptA }
                var detectorB: any CampaignDetector { isSQLite ? Self.campaigns(b).campaignDetector(surveys: [Self.survey]) : keptB }
                #expect(try await detectorB.pending() == [Self.surveyID: 6])
                try await Self.drain(detectorB)
                // Written by B's detector, read on A.
                stages.append(try await Self.view(a, ledger))
                #expect(stages[0] == [
                    "|A0,A1,A2|size 3|rep A0|unreviewed", "|B0,B1|size 2|rep B0|unreviewed",
                    "uses_comments|A0,A1,A2|size 3|rep A0|unreviewed", "uses_comments|B0,B1|size 2|rep B0|unreviewed",
                ].sorted())
                // The personal organisation name, equal in every submission, made no cluster.
                #expect(try await Self.campaigns(a).campaignReview.clusters(of: Self.surveyID, scope: "organisation").isEmpty)

                // A2 rewrites its text as a letter of B, placed by A's detector (loaded from what B stored).
                try await ledger.edit("A2", to: Self.variant(Self.letterB, 3), on: a, after: 60)
                try await Self.drain(detectorA)
                stages.append(try await Self.view(b, ledger, scopes: [""]))
                #expect(stages[1] == ["|A0,A1|size 2|rep A0|unreviewed", "|A2,B0,B1|size 3|rep B0|unreviewed"])

                // A's representative rewrites as an independent text, placed by B (whose index is behind):
                // A is left with one member and dissolves; a new variant of A then joins the one left.
                try await ledger.edit("A0", to: Self.independent, on: b, after: 120)
                try await Self.drain(detectorB)
                stages.append(try await Self.view(a, ledger, scopes: [""]))
                #expect(stages[2] == ["|A2,B0,B1|size 3|rep B0|unreviewed"])
                // (Variant 4 shares A0's swapped word: an index still holding A0's old text would pair them.)
                try await ledger.submit("A4", Self.variant(Self.letterA, 4), on: a)
                try await Self.drain(detectorA)
                stages.append(try await Self.view(b, ledger, scopes: [""]))
                #expect(stages[3] == ["|A1,A4|size 2|rep A1|unreviewed", "|A2,B0,B1|size 3|rep B0|unreviewed"])
                #expect(try await detectorA.pending().isEmpty)
                views.append(stages)
            }
        }
        #expect(views.count == 2 && views[0] == views[1])
    }

    /// Six variants of each letter, alternately, and an independent text, over `nodes`.
    static func submitTwoCampaigns(_ ledger: Ledger, over nodes: [any ContractStore], range: Range<Int> = 0..<6) async throws {
        for number in range {
            try await ledger.submit("A\(number)", variant(letterA, number), on: nodes[number % nodes.count])
            try await ledger.submit("B\(number)", variant(letterB, number), on: nodes[(number + 1) % nodes.count])
        }
    }

    static let twoCampaigns = [
        "|A0,A1,A2,A3,A4,A5|size 6|rep A0|unreviewed", "|B0,B1,B2,B3,B4,B5|size 6|rep B0|unreviewed",
        "uses_comments|A0,A1,A2,A3,A4,A5|size 6|rep A0|unreviewed", "uses_comments|B0,B1,B2,B3,B4,B5|size 6|rep B0|unreviewed",
    ].sorted()

    @Test func twoNodesCatchingUpAtOnceMakeTheClustersOneNodeMakes() async throws {
        var views: [[String]] = []
        for engine in Engine.all {
            try await engine.withNodes(1) { nodes in
                let ledger = Ledger()
                try await Self.submitTwoCampaigns(ledger, over: nodes)
                try await ledger.submit("I", Self.independent, on: nodes[0])
                try await Self.drain(Self.campaigns(nodes[0]).campaignDetector(surveys: [Self.survey]))
                views.append(try await Self.view(nodes[0], ledger))
            }
        }
        // Two PostgreSQL nodes, two submissions a call each, at once: each waits for the other's
        // placements and follows them in its own index.
        try await Engine.postgres.withTwoNodes { a, b in
            let ledger = Ledger()
            try await Self.submitTwoCampaigns(ledger, over: [a, b])
            try await ledger.submit("I", Self.independent, on: b)
            let detectors = [a, b].map { Self.campaigns($0).campaignDetector(surveys: [Self.survey]) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for detector in detectors { group.addTask { try await Self.drain(detector, limit: 2) } }
                try await group.waitForAll()
            }
            views.append(try await Self.view(a, ledger))
            // More arrive while both keep catching up: still one cluster per letter, nothing twice.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.submitTwoCampaigns(ledger, over: [a, b], range: 6..<9) }
                for detector in detectors { group.addTask { try await Self.drain(detector, limit: 1) } }
                try await group.waitForAll()
            }
            try await Self.drain(detectors[1])
            let clusters = try await Self.campaigns(b).campaignReview.clusters(of: Self.surveyID, scope: "")
            #expect(clusters.map(\.size) == [9, 9])
        }
        #expect(views.count == 3)
        #expect(views.allSatisfy { $0 == Self.twoCampaigns })
    }

    /// Letter `number` of many unrelated ones: 45 words drawn from a made-up vocabulary by a fixed generator.
    static func letter(_ number: Int) -> String {
        let syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "gu", "fe", "zo", "bi", "wa", "ch"]
        var state = UInt64(number + 1) &* 0x9e37_79b9_7f4a_7c15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        return (0..<45).map { _ in (0..<3).map { _ in syllables[next() % syllables.count] }.joined() }.joined(separator: " ")
    }

    @Test func twoNodesCatchingUpOneAtATimeEachPlaceATextAfterTheOneBeforeIt() async throws {
        // Eight unrelated letters, each sent twice in a row: the second copy has only the first to join,
        // so a node placing it without the other node's placement of the first would leave both alone.
        func submitPairs(_ ledger: Ledger, over nodes: [any ContractStore]) async throws {
            for number in 0..<8 {
                for copy in 0..<2 {
                    try await ledger.submit(
                        "L\(number)-\(copy)", "Dear Commissioner, this is \(["Ana", "Jon"][copy]). " + Self.letter(number),
                        on: nodes[copy % nodes.count])
                }
            }
        }
        let expected = (0..<8).map { "|L\($0)-0,L\($0)-1|size 2|rep L\($0)-0|unreviewed" }.sorted()
        var views: [[String]] = []
        for engine in Engine.all {
            try await engine.withNodes(1) { nodes in
                let ledger = Ledger()
                try await submitPairs(ledger, over: nodes)
                try await Self.drain(Self.campaigns(nodes[0]).campaignDetector(surveys: [Self.survey]))
                views.append(try await Self.view(nodes[0], ledger, scopes: [""]))
            }
        }
        try await Engine.postgres.withTwoNodes { a, b in
            let ledger = Ledger()
            try await submitPairs(ledger, over: [a, b])
            let detectors = [a, b].map { Self.campaigns($0).campaignDetector(surveys: [Self.survey]) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for detector in detectors { group.addTask { try await Self.drain(detector, limit: 1) } }
                try await group.waitForAll()
            }
            views.append(try await Self.view(b, ledger, scopes: [""]))
        }
        #expect(views.count == 3)
        #expect(views.allSatisfy { $0 == expected })
    }

    @Test func aRebuildGivesTheClustersCatchUpMadeAndARacingCatchUpEndsTheSame() async throws {
        var results: [[String]] = []
        for engine in Engine.all {
            try await engine.withTwoNodes { a, b in
                let ledger = Ledger()
                try await Self.submitTwoCampaigns(ledger, over: [a, b], range: 0..<3)
                let detectorA = Self.campaigns(a).campaignDetector(surveys: [Self.survey])
                let detectorB = Self.campaigns(b).campaignDetector(surveys: [Self.survey])
                try await Self.drain(detectorA)
                try await Self.submitTwoCampaigns(ledger, over: [a, b], range: 3..<6)
                try await ledger.submit("I", Self.independent, on: a)
                if engine.name == Engine.postgres.name {
                    // A rebuild on one node while the other catches up: they take turns on the survey.
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { _ = try await detectorA.rebuild(Self.survey, at: Self.now) }
                        group.addTask { try await Self.drain(detectorB, limit: 1) }
                        try await group.waitForAll()
                    }
                } else {
                    // One SQLite file has one detector at a time.
                    _ = try await detectorA.rebuild(Self.survey, at: Self.now)
                }
                try await Self.drain(detectorB)
                let placed = try await Self.view(b, ledger)
                #expect(placed == Self.twoCampaigns)
                let summary = try await detectorB.rebuild(Self.survey, at: Self.now)
                #expect(try await Self.view(a, ledger) == placed)
                #expect(try await detectorA.pending().isEmpty)
                // An edit the detectors have not placed leaves the independent text too short to
                // fingerprint; a rebuild alone takes it out, and the clusters stay.
                try await ledger.edit("I", to: "Too short.", on: b, after: 60)
                let again = try await detectorA.rebuild(Self.survey, at: Self.now)
                #expect(try await Self.view(b, ledger) == placed)
                // A late variant is placed by the other node after the rebuild (it reloads the index).
                try await ledger.submit("A6", Self.variant(Self.letterA, 6), on: a)
                try await Self.drain(detectorB)
                let late = try await Self.view(a, ledger, scopes: [""])
                #expect(late.first == "|A0,A1,A2,A3,A4,A5,A6|size 7|rep A0|unreviewed")
                let figures = [summary, again].map {
                    "\($0.submissions) submissions, \($0.texts) texts, \($0.clusters) clusters, \($0.campaigns) campaigns, "
                        + "\($0.clusteredSubmissions) clustered"
                }
                #expect(figures == [
                    "13 submissions, 26 texts, 4 clusters, 2 campaigns, 12 clustered",
                    "13 submissions, 24 texts, 4 clusters, 2 campaigns, 12 clustered",
                ])
                results.append(placed + late + figures)
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
    }

    // MARK: Review

    /// The kind of a refusal, for comparing engines (messages name cluster ids).
    static func refusal(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "accepted"
        } catch let refusal as CampaignRefusal {
            switch refusal {
            case .unknownCluster: return "unknown cluster"
            case .unknownMember(let respondent): return "unknown member \(respondent)"
            case .invalid(let field, _): return "invalid \(field)"
            case .conflict: return "conflict"
            case .noReviewer: return "no reviewer"
            }
        } catch {
            return "failed: \(error)"
        }
    }

    @Test func reviewActionsTheirRefusalsAndAuditAgreeAndTheDetectorLeavesThemAlone() async throws {
        var results: [[String]] = []
        for engine in Engine.all {
            try await engine.withTwoNodes { a, b in
                let ledger = Ledger()
                for number in 0..<6 { try await ledger.submit("A\(number)", Self.variant(Self.letterA, number), on: a) }
                for number in 0..<2 { try await ledger.submit("B\(number)", Self.variant(Self.letterB, number), on: b) }
                let detector = Self.campaigns(b).campaignDetector(surveys: [Self.survey])
                try await Self.drain(detector)
                let analyst = try await a.issueToken(role: .analyst, name: "Bo", expiresAt: nil, by: "test", at: Self.now).record
                let reason = try AuditReason("checked the letters")
                let reviewer = CampaignReviewer(tokenID: analyst.rowID, actor: "analyst:Bo", reason: reason, at: Self.now)
                let nobody = CampaignReviewer(tokenID: nil, actor: "analyst:x", reason: reason, at: Self.now)
                let review = Self.campaigns(b).campaignReview
                let whole = try await review.clusters(of: Self.surveyID, scope: "")
                let perQuestion = try await review.clusters(of: Self.surveyID, scope: "uses_comments")
                let (clusterA, clusterB) = (whole[0].id, whole[1].id)
                #expect(whole.map(\.size) == [6, 2])
                let names = ledger.byPseudonym(b)
                let pseudonym = Dictionary(uniqueKeysWithValues: names.map { ($0.value, $0.key) })
                func who(_ labels: String...) -> [String] { labels.map { pseudonym[$0] ?? $0 } }

                var log: [String] = []
                log.append(await Self.refusal { _ = try await review.confirm(999_999, in: Self.surveyID, by: reviewer) })
                log.append(await Self.refusal {
                    _ = try await review.split(clusterA, members: who("A1") + ["r-nobody"], in: Self.surveyID, by: reviewer)
                })
                log.append(await Self.refusal {
                    _ = try await review.split(clusterA, members: who("A1", "A2", "A3", "A4", "A5"), in: Self.surveyID, by: reviewer)
                })
                log.append(await Self.refusal {
                    _ = try await review.split(clusterA, members: who("A4", "A5"), in: Self.surveyID, by: nobody)
                })
                log.append(await Self.refusal {
                    try await review.move(who("A1")[0], of: clusterA, to: clusterA, in: Self.surveyID, by: reviewer)
                })
                log.append(await Self.refusal {
                    try await review.move(who("A1")[0], of: clusterA, to: perQuestion[0].id, in: Self.surveyID, by: reviewer)
                })
                log.append(await Self.refusal {
                    try await review.move(who("B1")[0], of: clusterB, to: nil, in: Self.surveyID, by: reviewer)
                })
                log.append(await Self.refusal { _ = try await review.members(of: clusterA, survey: "another-survey") })
                #expect(log == [
                    "unknown cluster", "unknown member r-nobody", "conflict", "no reviewer", "invalid to", "invalid to", "conflict",
                    "unknown cluster",
                ])
                // Refused: nothing written.
                #expect(try await a.auditLog(survey: Self.surveyID).isEmpty)

                // Done on one node, seen on the other.
                let confirmed = try await review.confirm(clusterA, in: Self.surveyID, by: reviewer)
                #expect(confirmed.review == .confirmed && confirmed.reviewedAt == Self.now)
                _ = try await Self.campaigns(a).campaignReview.dismiss(clusterB, in: Self.surveyID, by: reviewer)
                let split = try await review.split(clusterA, members: who("A4", "A5"), in: Self.surveyID, by: reviewer)
                // The representative leaves: the most similar member left stands for the cluster.
                try await Self.campaigns(a).campaignReview.move(who("A0")[0], of: clusterA, to: nil, in: Self.surveyID, by: reviewer)
                try await review.move(who("A3")[0], of: clusterA, to: split.id, in: Self.surveyID, by: reviewer)
                let afterReview = try await Self.view(a, ledger, scopes: [""])
                let moved = try await Self.campaigns(a).campaignReview.members(of: split.id, survey: Self.surveyID)
                #expect(moved.map { names[$0.respondent] ?? "?" }.sorted() == ["A3", "A4", "A5"])
                #expect(moved.allSatisfy { $0.placedByAnalyst })
                let audit = try await b.auditLog(survey: Self.surveyID)
                #expect(audit.map(\.action) == [
                    "campaign.confirmed", "campaign.dismissed", "campaign.split", "campaign.member-moved", "campaign.member-moved",
                ])
                #expect(audit.allSatisfy { $0.actor == "analyst:Bo" && $0.reason == "checked the letters" })
                #expect(audit.map { $0.subject ?? "" } == [clusterA, clusterB, clusterA, clusterA, clusterA].map { "campaign-cluster:\($0)" })

                // The detector leaves analysts' placements and reviews alone: a late variant, an edit of
                // a member taken out, and a rebuild.
                try await ledger.submit("A6", Self.variant(Self.letterA, 6), on: b)
                try await ledger.edit("A0", to: Self.variant(Self.letterA, 7), on: a, after: 60)
                try await Self.drain(Self.campaigns(a).campaignDetector(surveys: [Self.survey]))
                let placed = try await Self.view(b, ledger, scopes: [""])
                #expect(placed.contains { $0.hasPrefix("|A1,A2,A6|size 3|") && $0.hasSuffix("|confirmed") })
                _ = try await detector.rebuild(Self.survey, at: Self.now)
                let rebuilt = try await Self.view(a, ledger, scopes: [""])
                #expect(rebuilt.contains { $0.hasSuffix("|confirmed") })
                #expect(rebuilt.contains("|A3,A4,A5|size 3|rep A4|unreviewed"))
                #expect(rebuilt.contains("|B0,B1|size 2|rep B0|dismissed"))
                #expect(!rebuilt.joined().contains("A0"))
                results.append(afterReview + placed + rebuilt)
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
    }

    @Test func twoNodesTakingMembersOutAtOnceNeverLeaveAClusterOfOne() async throws {
        var results: [[String]] = []
        for engine in Engine.all {
            try await engine.withTwoNodes { a, b in
                let ledger = Ledger()
                for number in 0..<3 { try await ledger.submit("A\(number)", Self.variant(Self.letterA, number), on: a) }
                try await Self.drain(Self.campaigns(a).campaignDetector(surveys: [Self.survey]))
                let analyst = try await a.issueToken(role: .analyst, name: "Bo", expiresAt: nil, by: "test", at: Self.now).record
                let reviewer = CampaignReviewer(
                    tokenID: analyst.rowID, actor: "analyst:Bo", reason: try AuditReason("not a letter"), at: Self.now)
                let cluster = try #require(try await Self.campaigns(a).campaignReview.clusters(of: Self.surveyID).first)
                #expect(cluster.size == 3)
                let pseudonym = Dictionary(uniqueKeysWithValues: ledger.byPseudonym(a).map { ($0.value, $0.key) })
                // Each node takes a different member out at the same time: a cluster keeps at least two,
                // so exactly one of them may.
                let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                    for (node, label) in [(a, "A1"), (b, "A2")] {
                        group.addTask {
                            await Self.refusal {
                                try await Self.campaigns(node).campaignReview.move(
                                    pseudonym[label] ?? label, of: cluster.id, to: nil, in: Self.surveyID, by: reviewer)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }.sorted()
                }
                #expect(outcomes == ["accepted", "conflict"])
                let after = try await Self.campaigns(b).campaignReview.cluster(cluster.id, of: Self.surveyID)
                #expect(after.size == 2)
                #expect(try await b.auditLog(survey: Self.surveyID).map(\.action) == ["campaign.member-moved"])
                results.append(outcomes + ["size \(after.size)"])
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
    }

    // MARK: Counting and signals

    @Test func countingAndSignalsGiveTheSameFigures() async throws {
        var results: [[String]] = []
        for engine in Engine.all {
            try await engine.withTwoNodes { a, b in
                let ledger = Ledger()
                // Seven variants of A from one address, in two sectors; four of B from four addresses.
                for number in 0..<7 {
                    try await ledger.submit(
                        "A\(number)", Self.variant(Self.letterA, number), on: number % 2 == 0 ? a : b,
                        sector: number < 5 ? "academia" : "industry", client: "203.0.113.7")
                }
                for number in 0..<4 {
                    try await ledger.submit(
                        "B\(number)", Self.variant(Self.letterB, number), on: b, client: "198.51.100.\(number)",
                        familiarity: Double(1 + number % 2))
                }
                try await Self.drain(Self.campaigns(a).campaignDetector(surveys: [Self.survey]))
                let analyst = try await a.issueToken(role: .analyst, name: "Bo", expiresAt: nil, by: "test", at: Self.now).record
                let reviewer = CampaignReviewer(
                    tokenID: analyst.rowID, actor: "analyst:Bo", reason: try AuditReason("one letter"), at: Self.now)
                let counting = Self.campaigns(b).campaignCounting
                #expect(try await counting.leftOut(survey: Self.surveyID, minimumSize: 5).seqs.isEmpty)
                let campaigns = try await counting.campaigns(of: Self.surveyID, minimumSize: 5)
                #expect(campaigns.map(\.size) == [7])
                #expect(campaigns.first?.sectors == ["academia": 5, "industry": 2])
                #expect(campaigns.first?.countries == ["PT": 7])
                _ = try await Self.campaigns(a).campaignReview.confirm(campaigns[0].id, in: Self.surveyID, by: reviewer)
                let clusterB = try #require(try await counting.campaigns(of: Self.surveyID, minimumSize: 2).last)
                _ = try await Self.campaigns(a).campaignReview.confirm(clusterB.id, in: Self.surveyID, by: reviewer)

                // A counts once (its representative, A0), B is below the minimum size.
                let leftOut = try await counting.leftOut(survey: Self.surveyID, minimumSize: 5)
                let names = ledger.byPseudonym(b)
                let members = try await Self.campaigns(b).campaignReview.members(of: campaigns[0].id, survey: Self.surveyID)
                let labelOf = Dictionary(uniqueKeysWithValues: members.map { ($0.seq, names[$0.respondent] ?? "?") })
                #expect(leftOut.seqs.map { labelOf[$0] ?? "?" }.sorted() == ["A1", "A2", "A3", "A4", "A5", "A6"])
                #expect(leftOut.sectors == ["academia": 4, "industry": 2])
                let bases = leftOut.bases.map { "\($0.question) \($0.sector) \($0.respondents)" }.sorted()
                let options = leftOut.options.map { "\($0.question) \($0.option) \($0.sector) \($0.respondents)" }.sorted()
                #expect(bases.contains("technologies_known industry 2") && bases.contains("uses_comments academia 4"))
                #expect(options.contains("technologies_known eeg_erp academia 4"))

                func figures(_ signals: StuffingSignals) -> String {
                    "addresses \(signals.sharedAddresses), identical \(signals.identicalAnswers), "
                        + "densest \(signals.densestWindow.count), burst \(signals.isBurst)"
                }
                let signals = Self.campaigns(a).campaignSignals
                let ofA = figures(try await signals.signals(ofCluster: campaigns[0].id, survey: Self.surveyID))
                let ofB = figures(try await signals.signals(ofCluster: clusterB.id, survey: Self.surveyID))
                let ofSurvey = figures(try await signals.signals(ofSurvey: Self.surveyID))
                #expect(ofA == "addresses (addresses: 1, submissions: 7, largest: 7), "
                    + "identical (groups: 1, submissions: 5, largest: 5), densest 7, burst false")
                #expect(ofB == "addresses (addresses: 0, submissions: 0, largest: 0), "
                    + "identical (groups: 0, submissions: 0, largest: 0), densest 4, burst false")
                #expect(ofSurvey == "addresses (addresses: 1, submissions: 7, largest: 7), "
                    + "identical (groups: 0, submissions: 0, largest: 0), densest 11, burst true")
                // Another survey's cluster id reads nothing.
                let elsewhere = try await signals.signals(ofCluster: campaigns[0].id, survey: "another-survey")
                #expect(elsewhere.densestWindow.count == 0)
                results.append([ofA, ofB, ofSurvey] + bases + options + leftOut.sectors.map { "sector \($0.key) \($0.value)" }.sorted())
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
    }

    // MARK: Texts

    @Test func theShownRepresentativeAndTheCampaignTextsAgree() async throws {
        var results: [String] = []
        for engine in Engine.all {
            try await engine.withNodes(1) { nodes in
                let node = nodes[0]
                let ledger = Ledger()
                for number in 0..<3 { try await ledger.submit("A\(number)", Self.variant(Self.letterA, number), on: node) }
                try await Self.drain(Self.campaigns(node).campaignDetector(surveys: [Self.survey]))
                let review = Self.campaigns(node).campaignReview
                let cluster = try #require(try await review.clusters(of: Self.surveyID).first)
                let shown = try #require(try await review.shownRepresentative(of: cluster.id, survey: Self.survey))
                #expect(shown.seq == cluster.representativeSeq)
                #expect(ledger.byPseudonym(node)[shown.respondent] == "A0")
                // The personal organisation name is never part of the campaign text.
                #expect(shown.text == Self.variant(Self.letterA, 0))
                let texts = try await review.texts(of: [shown.seq], survey: Self.survey)
                #expect(texts[shown.seq]?.text == shown.text && texts[shown.seq]?.disclosed == true)
                await #expect(throws: CampaignRefusal.unknownCluster(999_999)) {
                    _ = try await review.shownRepresentative(of: 999_999, survey: Self.survey)
                }
                results.append("\(ledger.byPseudonym(node)[shown.respondent] ?? "?"): \(shown.text)")
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
    }
}
