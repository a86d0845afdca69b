// campaigns: the campaigns table and the "each confirmed campaign counted once" tables of the analysis.
import ConsultCore
import ConsultStore
import Foundation

/// What the campaign tables read, loaded with the rest of the analysis.
public struct CampaignAnalysis: Sendable {
    /// A campaign with the text that may stand for it (nil: every member's text is withheld).
    struct Campaign: Sendable {
        let cluster: CampaignCluster
        let representative: (respondent: String, text: String)?
    }

    let campaigns: [Campaign]
    /// The members of confirmed campaigns the counted-once tables leave out.
    public let leftOut: CampaignLeftOut

    static let none = CampaignAnalysis(campaigns: [], leftOut: .none)

    static func load(survey: Survey, database: any ConsultStorage) async throws -> CampaignAnalysis {
        let minimumSize = CampaignRule.minimumSize(of: survey)
        let clusters = try await database.campaignCounting.campaigns(of: survey.id.rawValue, minimumSize: minimumSize)
        var campaigns: [Campaign] = []
        for cluster in clusters {
            let shown = try await database.campaignReview.shownRepresentative(of: cluster.id, survey: survey)
            campaigns.append(Campaign(cluster: cluster, representative: shown.map { ($0.respondent, $0.text) }))
        }
        return CampaignAnalysis(campaigns: campaigns, leftOut: try await database.campaignCounting.leftOut(survey: survey.id.rawValue, minimumSize: minimumSize))
    }
}

extension SurveyAnalysis {
    /// The campaigns and the counted-once figures (see ``CampaignRule``).
    static let campaignTables = [
        TableHeader(name: "campaigns", title: "Campaigns: clusters of look-alike submissions of at least the minimum size", columns: [
            Column("campaign", .integer), Column("size", .integer), Column("review", .text), Column("representative", .text),
            Column("representative_text", .text), Column("text_withheld", .text), Column("sectors", .text),
            Column("countries", .text), Column("first_received", .text), Column("last_received", .text),
        ]),
        TableHeader(
            name: "sectors_counted_once",
            title: "Respondents by sector, each confirmed campaign counted once (as its representative submission)",
            columns: [
                Column("sector", .text), Column("label", .text), Column("respondents", .integer), Column("percent", .decimal),
            ]),
        TableHeader(
            name: "choices_counted_once",
            title: "Closed questions per option and sector, each confirmed campaign counted once (as its representative submission)",
            columns: [
                Column("question", .text), Column("option", .text), Column("label", .text), Column("sector", .text),
                Column("respondents", .integer), Column("base", .integer), Column("percent", .decimal),
            ]),
    ]

    /// How many submissions the counted-once tables leave out.
    public var leftOutOfCountedOnce: Int { campaignAnalysis.leftOut.seqs.count }

    func writeCampaigns(to sink: some TableSink) throws {
        func tally(_ counts: [String: Int]) -> String {
            counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key.isEmpty ? "unknown" : $0.key): \($0.value)" }
                .joined(separator: "; ")
        }
        for campaign in campaignAnalysis.campaigns {
            let cluster = campaign.cluster
            try sink.row([
                .integer(Int(cluster.id)), .integer(cluster.size), .text(cluster.review.rawValue),
                .text(campaign.representative?.respondent ?? ""), .text(campaign.representative?.text ?? ""),
                .text(campaign.representative == nil ? PublicationChoice.Withholding.confidential.rawValue : ""),
                .text(tally(cluster.sectors)), .text(tally(cluster.countries)),
                .text(cluster.firstReceived.map(Instant.utcText) ?? ""), .text(cluster.lastReceived.map(Instant.utcText) ?? ""),
            ])
        }
    }

    func writeSectorsCountedOnce(to sink: some TableSink) throws {
        let leftOut = campaignAnalysis.leftOut.sectors
        let total = respondents - leftOutOfCountedOnce
        for sector in sectorIDs + [Self.allSectors] {
            let count = sector == Self.allSectors ? total : (sectorCounts[sector] ?? 0) - (leftOut[sector] ?? 0)
            try sink.row([.text(sector), .text(sectorLabel(sector)), .integer(count), percent(count, of: total)])
        }
    }

    func writeChoicesCountedOnce(to sink: some TableSink) throws {
        var (bases, options) = indexedCounts()
        for base in campaignAnalysis.leftOut.bases {
            bases[base.question, default: [:]][base.sector, default: 0] -= base.respondents
            bases[base.question, default: [:]][Self.allSectors, default: 0] -= base.respondents
        }
        for count in campaignAnalysis.leftOut.options {
            options[count.question, default: [:]][count.option, default: [:]][count.sector, default: 0] -= count.respondents
            options[count.question, default: [:]][count.option, default: [:]][Self.allSectors, default: 0] -= count.respondents
        }
        try writeChoices(to: sink, bases: bases, options: options)
    }
}
