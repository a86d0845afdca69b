import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// The aggregations the analysis is built from: respondents' facts from `submission`, answer
/// counts from the tallies kept in the storing transaction.
extension PostgresStore: AnalysisReads {
    public func respondentsBySector(survey: SurveyID) async throws -> [String: Int] {
        try await reading { connection in
            Dictionary(uniqueKeysWithValues: try await connection.all(
                "SELECT final_sector, count(*) FROM submission WHERE survey_id = \(survey.rawValue) GROUP BY final_sector",
                as: (String, Int).self, logger: logger))
        }
    }

    public func respondentsByCountry(survey: SurveyID) async throws -> [GroupCount] {
        try await groupCounts(by: "country", survey: survey)
    }

    public func respondentsByLevel(survey: SurveyID) async throws -> [GroupCount] {
        try await groupCounts(by: "level", survey: survey)
    }

    private func groupCounts(by column: String, survey: SurveyID) async throws -> [GroupCount] {
        try await reading { connection in
            try await connection.all(
                """
                SELECT \(unescaped: column), final_sector, count(*) FROM submission WHERE survey_id = \(survey.rawValue)
                GROUP BY \(unescaped: column), final_sector
                """, as: (String?, String, Int).self, logger: logger
            ).map { GroupCount(key: $0.0, sector: $0.1, count: $0.2) }
        }
    }

    public func optionCounts(survey: SurveyID) async throws -> [OptionCount] {
        try await reading { connection in
            try await connection.all(
                """
                SELECT question, option, sector, sum(respondents)::bigint FROM option_tally WHERE survey_id = \(survey.rawValue)
                GROUP BY question, option, sector HAVING sum(respondents) > 0
                """, as: (String, String, String, Int).self, logger: logger
            ).map { OptionCount(question: $0.0, option: $0.1, sector: $0.2, respondents: $0.3) }
        }
    }

    public func questionBases(survey: SurveyID) async throws -> [QuestionBase] {
        try await reading { connection in
            try await connection.all(
                """
                SELECT question, sector, sum(respondents)::bigint FROM question_tally WHERE survey_id = \(survey.rawValue)
                GROUP BY question, sector HAVING sum(respondents) > 0
                """, as: (String, String, Int).self, logger: logger
            ).map { QuestionBase(question: $0.0, sector: $0.1, respondents: $0.2) }
        }
    }

    public func numberCounts(survey: SurveyID, questions: [QuestionID]) async throws -> [NumberCount] {
        guard !questions.isEmpty else { return [] }
        return try await reading { connection in
            try await connection.all(
                """
                SELECT question, item, sector, number, sum(answers)::bigint FROM number_tally
                WHERE survey_id = \(survey.rawValue) AND question = ANY(\(questions.map(\.rawValue)))
                GROUP BY question, item, sector, number HAVING sum(answers) > 0
                """, as: (String, String, String, Double, Int).self, logger: logger
            ).map { row -> NumberCount in
                let item: String? = row.1.isEmpty ? nil : row.1
                return NumberCount(question: row.0, item: item, sector: row.2, value: row.3, count: row.4)
            }
        }
    }

    public func numberSummaries(survey: SurveyID, question: QuestionID, allSectors: String) async throws -> [NumberSummary] {
        try await reading { connection in
            // A count is the sum of its shards (see 0006-tally-shards.sql).
            let filter = "survey_id = $1 AND question = $2 AND item = ''"
            var binds = PostgresBindings()
            binds.append(survey.rawValue)
            binds.append(question.rawValue)
            var bySector: [(sector: String, counts: [(value: Double, count: Int)])] = []
            for (sector, number, count) in try await connection.all(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT sector, number, sum(answers)::bigint FROM number_tally WHERE \(filter)
                        GROUP BY sector, number HAVING sum(answers) > 0 ORDER BY sector, number
                        """, binds: binds),
                as: (String, Double, Int).self, logger: logger)
            {
                if bySector.last?.sector != sector { bySector.append((sector, [])) }
                bySector[bySector.count - 1].counts.append((number, count))
            }
            let all = try await connection.all(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT number, sum(answers)::bigint FROM number_tally WHERE \(filter)
                        GROUP BY number HAVING sum(answers) > 0 ORDER BY number
                        """,
                    binds: binds),
                as: (Double, Int).self, logger: logger
            ).map { (value: $0.0, count: $0.1) }
            return bySector.map { NumberSummary.summarising(sector: $0.sector, counts: $0.counts) }
                + [NumberSummary.summarising(sector: allSectors, counts: all)]
        }
    }

    public func activityByQuarterHour(survey: SurveyID) async throws -> (submissions: [Int64: Int], refused: [String: [Int64: Int]]) {
        try await reading { connection in
            let submissions = Dictionary(uniqueKeysWithValues: try await connection.all(
                """
                SELECT received_at_ms / 900000 AS quarter, count(*) FROM submission WHERE survey_id = \(survey.rawValue)
                GROUP BY quarter
                """, as: (Int64, Int).self, logger: logger))
            var refused: [String: [Int64: Int]] = [:]
            for (reason, quarter, count) in try await connection.all(
                """
                SELECT reason, attempted_at_ms / 900000 AS quarter, count(*) FROM refused_attempt
                WHERE survey_id = \(survey.rawValue) GROUP BY reason, quarter
                """, as: (String, Int64, Int).self, logger: logger)
            {
                refused[reason, default: [:]][quarter] = count
            }
            return (submissions, refused)
        }
    }
}
