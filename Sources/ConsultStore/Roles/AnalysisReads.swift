import ConsultCore
import Foundation

/// The aggregated figures of a survey as the analysis and the organizer's pages show them, read
/// from the tallies kept in the storing transaction.
public protocol AnalysisReads: Sendable {
    /// Respondents per final sector.
    func respondentsBySector(survey: SurveyID) async throws -> [String: Int]
    /// Respondents per country.
    func respondentsByCountry(survey: SurveyID) async throws -> [GroupCount]
    /// Respondents per level.
    func respondentsByLevel(survey: SurveyID) async throws -> [GroupCount]
    /// How often each option (and matrix item value) was chosen, per sector.
    func optionCounts(survey: SurveyID) async throws -> [OptionCount]
    /// How many respondents answered each question, per sector.
    func questionBases(survey: SurveyID) async throws -> [QuestionBase]
    /// The counts of each value of the number questions, per sector.
    func numberCounts(survey: SurveyID, questions: [QuestionID]) async throws -> [NumberCount]
    /// n, mean and median of a number question per sector and for `allSectors`.
    func numberSummaries(survey: SurveyID, question: QuestionID, allSectors: String) async throws -> [NumberSummary]
    /// Submissions and refused attempts per quarter hour (milliseconds / 900,000).
    func activityByQuarterHour(survey: SurveyID) async throws -> (submissions: [Int64: Int], refused: [String: [Int64: Int]])
}
