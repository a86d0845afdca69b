import Foundation
import GRDB

extension ConsultDatabase {
    /// Records that `actor` downloaded `export` (e.g. `responses.csv`, `analysis/choices.csv`) of a survey:
    /// exports hold respondents' answers, so who took which, and when, is kept.
    public func recordExportDownload(of survey: String, export: String, by actor: String, at instant: Date) async throws {
        try await pool.write { db in
            try appendAudit(AuditRecord(
                at: instant, actor: actor, action: AuditRecord.exportDownloadedAction, surveyID: survey, subject: export,
                oldValue: nil, newValue: nil, reason: nil), in: db)
        }
    }
}
