import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The organizers' pages: per survey the live figures (submissions, drafts, refused
/// attempts, by sector and by day as charts), the deadline with a form to move it, and
/// the audit log.
struct OrganizerPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/organizer", use: surveys)
        router.get("/organizer/s/{survey_id}", use: dashboard)
        router.post("/organizer/s/{survey_id}/deadline", use: moveDeadline)
    }

    @Sendable func surveys(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.organizer])
        return visit.page(renderer, "staff-surveys", try await StaffViews.surveyList(consultation, role: "organizer"))
    }

    @Sendable func dashboard(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.organizer])
        let notice = request.uri.queryParameters.get("moved") == "1" ? "The deadline was moved and the change recorded." : nil
        return visit.page(renderer, "organizer", try await view(survey, notice: notice, closesAtText: nil, errors: [:]))
    }

    @Sendable func moveDeadline(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let closesAtText = (form["closes_at"] ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [String: String] = [:]
        var closesAt: Date?
        do {
            closesAt = try Instant.parse(closesAtText)
        } catch {
            errors["closes_at"] = closesAtText.isEmpty ? "Enter the new deadline." : error.message
        }
        var reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            reason = try AuditReason(reason).text
        } catch {
            errors["reason"] = error.message.prefix(1).uppercased() + error.message.dropFirst() + "."
        }
        if let closesAt, errors.isEmpty {
            do {
                _ = try await consultation.storing {
                    try await consultation.database.moveDeadline(
                        of: survey, to: closesAt, actor: principal.actor, reason: reason, at: consultation.clock.now())
                }
                return visit.redirect(to: "/organizer/s/\(survey.id)?moved=1")
            } catch let refusal as DeadlineRefusal {
                errors["closes_at"] = refusal.message
            }
        }
        var view = try await view(survey, notice: nil, closesAtText: closesAtText, errors: errors)
        view["reason"] = reason
        return visit.page(renderer, "organizer", view, status: .unprocessableContent)
    }

    private func view(_ survey: Survey, notice: String?, closesAtText: String?, errors: [String: String]) async throws
        -> [String: Any]
    {
        let database = consultation.database
        let now = consultation.clock.now()
        let (window, bySector, refused, drafts, activity, audit) = try await consultation.storing {
            (try await database.window(of: survey), try await database.respondentsBySector(survey: survey.id),
             try await database.refusedAttempts(survey: survey.id), try await database.openDraftCount(survey: survey.id),
             try await database.activityByQuarterHour(survey: survey.id), try await database.auditLog(survey: survey.id.rawValue))
        }
        var view = PageDates.deadline(window, zone: survey.timeZone, now: now)
        view["wide"] = true
        view["title"] = "Organizer – \(survey.title)"
        view["surveyId"] = survey.id.rawValue
        view["surveyTitle"] = survey.title
        view["timeZone"] = survey.timeZone.identifier
        view["submissions"] = bySector.values.reduce(0, +)
        view["drafts"] = drafts
        view["late"] = refused["deadline-passed"] ?? 0
        view["early"] = refused["not-yet-open"] ?? 0
        view["notice"] = notice
        view["closesAtValue"] = closesAtText ?? Instant.localText(window.closesAt, in: survey.timeZone)
        view["closesAtError"] = errors["closes_at"]
        view["reasonError"] = errors["reason"]
        view["hasErrors"] = !errors.isEmpty
        let sectors = survey.sectors.map { ($0.id.rawValue, $0.label) } + [(RespondentProfile.unclassified.rawValue, "Unclassified")]
        view["sectorChart"] = SVGChart.horizontalBars(
            id: "chart-by-sector", title: "Submissions by sector",
            groups: sectors.map { SVGChart.Group(label: $0.1, values: [Double(bySector[$0.0] ?? 0)]) },
            series: ["Submissions"], format: { String(Int($0)) })
        let days = DailyActivity.days(activity, in: survey.timeZone)
        view["hasDays"] = !days.isEmpty
        view["dayChart"] = SVGChart.horizontalBars(
            id: "chart-by-day", title: "Submissions and late attempts per day (\(survey.timeZone.identifier))",
            groups: days.map { SVGChart.Group(label: $0.date, values: [Double($0.submissions), Double($0.late)]) },
            series: ["Submissions", "Refused after the deadline"], format: { String(Int($0)) })
        view["audit"] = audit.reversed().map { entry in
            [
                "at": PageDates.utc(entry.at), "actor": UntrustedText.pageView(entry.actor),
                "action": UntrustedText.pageView(entry.action),
                "change": UntrustedText.pageView(entry.action == ConsultDatabase.exportDownloadedAction
                    ? entry.subject ?? "" : [entry.oldValue, entry.newValue].compactMap { $0 }.joined(separator: " → ")),
                "reason": UntrustedText.pageView(entry.reason ?? ""),
            ]
        }
        return view
    }
}

/// What the organizer and analyst pages share.
enum StaffViews {
    /// The surveys with their status, each linking to the role's page for it.
    static func surveyList(_ consultation: Consultation, role: String) async throws -> [String: Any] {
        let now = consultation.clock.now()
        var surveys: [[String: Any]] = []
        for survey in consultation.surveys {
            let window = try await consultation.storing { try await consultation.database.window(of: survey) }
            var view = PageDates.deadline(window, zone: survey.timeZone, now: now)
            view["id"] = survey.id.rawValue
            view["title"] = survey.title
            view["link"] = "/\(role)/s/\(survey.id)"
            surveys.append(view)
        }
        return ["title": role == "organizer" ? "Organizer" : "Analyst", "role": role.capitalized, "surveys": surveys]
    }
}
