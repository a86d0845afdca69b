import ConsultCore
import Foundation
import GRDB

extension ConsultDatabase {
    /// Deletes the drafts that expired by `now` under `limits`: those untouched for
    /// `untouchedLifetime` (of any survey, submitted or not), and every draft of a survey in
    /// `surveys` whose deadline passed more than `afterDeadline` ago. Returns how many went.
    @discardableResult
    public func purgeExpiredDrafts(of surveys: [Survey], at now: Date, limits: DraftLimits) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM draft WHERE updated_at_ms < ?",
                arguments: [now.addingTimeInterval(-limits.untouchedLifetime).milliseconds])
            var purged = db.changesCount
            for survey in surveys {
                let closesAt = try window(of: survey, in: db).closesAt
                guard closesAt.addingTimeInterval(limits.afterDeadline) <= now else { continue }
                try db.execute(sql: "DELETE FROM draft WHERE survey_id = ?", arguments: [survey.id.rawValue])
                purged += db.changesCount
            }
            return purged
        }
    }

    /// How many drafts are stored, submitted or not, expired or not: what a purge may shrink.
    public func storedDraftCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM draft") ?? 0 }
    }
}
