// campaigns: what the "each confirmed campaign counted once" tables leave out.
import ConsultCore
import Foundation
import GRDB

/// The submissions the "counted once" tables leave out (every member of a confirmed campaign but
/// the one it counts as, ``CampaignRule/countedMember(stored:members:)``) and what they add to the
/// "every submission" counts, so that those tables are the full counts minus these.
public struct CampaignLeftOut: Sendable {
    public let seqs: [Int64]
    /// Left-out submissions per final sector.
    public let sectors: [String: Int]
    /// Left-out respondents who answered each question, per sector.
    public let bases: [QuestionBase]
    /// Left-out respondents per question, option and sector.
    public let options: [OptionCount]

    public static let none = CampaignLeftOut(seqs: [], sectors: [:], bases: [], options: [])

    /// campaigns: also made by the PostgreSQL engine.
    package init(seqs: [Int64], sectors: [String: Int], bases: [QuestionBase], options: [OptionCount]) {
        self.seqs = seqs
        self.sectors = sectors
        self.bases = bases
        self.options = options
    }
}

/// The campaigns of a survey for the analysis: the campaigns table and the counted-once figures.
public struct SQLiteCampaignCounting: CampaignCounting {
    let database: ConsultDatabase

    /// Clusters of the submissions' free texts together with at least `minimumSize` members, largest first.
    public func campaigns(of survey: String, minimumSize: Int) async throws -> [CampaignCluster] {
        try await database.campaignReview.clusters(of: survey, scope: "").filter { $0.size >= minimumSize }
    }

    /// What the counted-once tables leave out of `survey`'s counts: confirmed clusters of at least
    /// `minimumSize` members (campaigns) count as one member each.
    public func leftOut(survey: String, minimumSize: Int) async throws -> CampaignLeftOut {
        try await database.pool.read { db in
            var confirmed: [(cluster: Int64, stored: Int64?, seq: Int64)] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.id, c.representative_seq, m.submission_seq FROM campaign_cluster c
                JOIN campaign_member m ON m.cluster_id = c.id
                WHERE c.survey_id = ? AND c.scope = '' AND c.review = 'confirmed' AND m.scope = ''
                """, arguments: [survey])
            while let row = try rows.next() {
                confirmed.append((row[0], row[1], row[2]))
            }
            let seqs = CampaignLeftOut.seqs(ofConfirmed: confirmed, minimumSize: minimumSize)
            guard !seqs.isEmpty else { return .none }
            var sectors: [String: Int] = [:]
            var bases: [String: Int] = [:], options: [String: Int] = [:]
            func split(_ key: String) -> [String] { key.components(separatedBy: "\u{1}") }
            for start in stride(from: 0, to: seqs.count, by: 500) {
                let chunk = Array(seqs[start..<min(start + 500, seqs.count)])
                let marks = chunk.map { _ in "?" }.joined(separator: ",")
                for row in try Row.fetchAll(db, sql: """
                    SELECT final_sector, count(*) FROM submission WHERE seq IN (\(marks)) GROUP BY 1
                    """, arguments: StatementArguments(chunk)) {
                    sectors[row[0], default: 0] += row[1] as Int
                }
                for row in try Row.fetchAll(db, sql: """
                    SELECT q.code, s.final_sector, count(DISTINCT a.submission_seq) FROM answer_value a
                    JOIN answer_code q ON q.id = a.question JOIN submission s ON s.seq = a.submission_seq
                    WHERE a.submission_seq IN (\(marks)) GROUP BY 1, 2
                    """, arguments: StatementArguments(chunk)) {
                    bases["\(row[0] as String)\u{1}\(row[1] as String)", default: 0] += row[2] as Int
                }
                for row in try Row.fetchAll(db, sql: """
                    SELECT q.code, o.code, s.final_sector, count(*) FROM answer_value a
                    JOIN answer_code q ON q.id = a.question JOIN answer_code o ON o.id = a.option
                    JOIN submission s ON s.seq = a.submission_seq
                    WHERE a.submission_seq IN (\(marks)) GROUP BY 1, 2, 3
                    """, arguments: StatementArguments(chunk)) {
                    options["\(row[0] as String)\u{1}\(row[1] as String)\u{1}\(row[2] as String)", default: 0] += row[3] as Int
                }
            }
            return CampaignLeftOut(
                seqs: seqs, sectors: sectors,
                bases: bases.map { key, count in
                    let parts = split(key)
                    return QuestionBase(question: parts[0], sector: parts[1], respondents: count)
                },
                options: options.map { key, count in
                    let parts = split(key)
                    return OptionCount(question: parts[0], option: parts[1], sector: parts[2], respondents: count)
                })
        }
    }
}

extension ConsultDatabase {
    /// campaigns: the campaigns table and the counted-once figures of the analysis.
    public var campaignCounting: any CampaignCounting { SQLiteCampaignCounting(database: self) }
}
