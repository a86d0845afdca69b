import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// Organizers: move a deadline (with a reason) and read the audit log.
struct OrganizerController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.put("/api/v1/surveys/{survey_id}/deadline", use: moveDeadline)
        router.get("/api/v1/audit", use: audit)
    }

    @Sendable func moveDeadline(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.organizer], for: request)
        var request = request
        let (members, _) = try await request.jsonObject()
        if let unknown = members.keys.sorted().first(where: { !["closes_at", "reason"].contains($0) }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the body is {\"closes_at\": …, \"reason\": …}.")
        }
        guard let text = members["closes_at"]?.text else {
            throw Problem.badRequest("\"closes_at\" must be a date and time, e.g. 2025-11-17T18:00:00+01:00.")
        }
        let closesAt: Date
        do {
            closesAt = try Instant.parse(text)
        } catch {
            throw Problem.invalidField("closes_at", error.message)
        }
        let reason = try requiredReason(members["reason"])
        let previous = try await consultation.storing {
            try await consultation.database.moveDeadline(
                of: survey, to: closesAt, actor: principal.actor, reason: reason, at: consultation.clock.now())
        }
        return json(.object([
            "survey_id": .string(survey.id.rawValue),
            "closes_at": .string(Instant.utcText(closesAt.truncatedToMilliseconds)),
            "closes_at_local": .string(Instant.localText(closesAt.truncatedToMilliseconds, in: survey.timeZone)),
            "time_zone": .string(survey.timeZone.identifier),
            "previous_closes_at": .string(Instant.utcText(previous)),
        ]))
    }

    @Sendable func audit(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        _ = try await consultation.require([.organizer], for: request)
        let survey = request.uri.queryParameters.get("survey")
        let entries = try await consultation.storing { try await consultation.database.auditLog(survey: survey) }
        return json(.array(entries.map(Self.auditJSON)))
    }

    static func auditJSON(_ entry: AuditRecord) -> JSONValue {
        .object([
            "id": entry.id.map { .number(Double($0)) } ?? .null,
            "at": .string(Instant.utcText(entry.at)),
            "actor": .string(entry.actor),
            "action": .string(entry.action),
            "survey_id": SurveyJSON.optional(entry.surveyID),
            "subject": SurveyJSON.optional(entry.subject),
            "old_value": SurveyJSON.optional(entry.oldValue),
            "new_value": SurveyJSON.optional(entry.newValue),
            "reason": SurveyJSON.optional(entry.reason),
        ])
    }
}
