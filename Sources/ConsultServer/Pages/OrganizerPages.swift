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

    /// The deadline form posts here three ways: first to see the change in plain words (nothing moves),
    /// then `action=confirm` to move it, or `action=back` to return to the form with its values.
    @Sendable func moveDeadline(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let zone = survey.timeZone
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.organizer])
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let action = form["action"] ?? "check"
        let closesAtText = (form["closes_at"] ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [String: String] = [:]
        var closesAt: Date?
        do {
            closesAt = try LocalInstant.parse(closesAtText, in: zone)
        } catch {
            errors["closes_at"] = closesAtText.isEmpty ? "Enter the new deadline." : error.message
        }
        var reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            reason = try AuditReason(reason).text
        } catch {
            errors["reason"] = error.message.prefix(1).uppercased() + error.message.dropFirst() + "."
        }
        if action == "back" {
            var view = try await view(survey, notice: nil, closesAtText: closesAt.map { LocalInstant.controlValue($0, in: zone) }
                ?? closesAtText, errors: [:])
            view["reason"] = reason
            return visit.page(renderer, "organizer", view)
        }
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        let now = consultation.clock.now()
        var change: DeadlineChange?
        if let closesAt {
            do {
                change = try DeadlineChange(window, to: closesAt, at: now)
            } catch {
                errors["closes_at"] = DeadlineConfirmation.message(error, window, zone: zone)
            }
        }
        if let change, errors.isEmpty {
            guard action == "confirm" else {
                return visit.page(renderer, "organizer-confirm", confirmView(survey, change, reason: reason, now: now, notice: nil))
            }
            // The words confirmed described the deadline then in force: if it has moved since, they are checked again.
            guard form["from"] == Instant.utcText(window.closesAt) else {
                let notice = "The deadline was moved by someone else meanwhile; check the change again."
                return visit.page(
                    renderer, "organizer-confirm", confirmView(survey, change, reason: reason, now: now, notice: notice),
                    status: .conflict)
            }
            do {
                _ = try await consultation.storing {
                    try await consultation.database.moveDeadline(
                        of: survey, to: change.closesAt, actor: principal.actor, reason: reason, at: consultation.clock.now())
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

    /// The confirmation step: the change in plain words, and the values to post again.
    private func confirmView(_ survey: Survey, _ change: DeadlineChange, reason: String, now: Date, notice: String?)
        -> [String: Any]
    {
        let zone = survey.timeZone
        return [
            "title": "Confirm the new deadline – \(survey.title)", "surveyId": survey.id.rawValue, "surveyTitle": survey.title,
            "summary": DeadlineConfirmation.summary(change, zone: zone, now: now), "kind": change.kind.rawValue,
            "notice": notice ?? false,
            "fromText": PageDates.localAndUTC(change.window.closesAt, in: zone),
            "toText": PageDates.localAndUTC(change.closesAt, in: zone),
            "reasonText": UntrustedText.pageView(reason), "reason": reason,
            "closesAtValue": Instant.utcText(change.closesAt), "fromValue": Instant.utcText(change.window.closesAt),
        ]
    }

    /// The exports an organizer may download from the analysis page, by file name there.
    static let downloads = [
        ("analysis.zip", "Every analysis table as CSV (ZIP)"), ("analysis.xml", "The analysis as one XML document"),
        ("responses.csv", "Raw responses (CSV, one row per submission)"), ("responses.xml", "Raw responses (XML)"),
        // XLSX workbooks (issue 17).
        ("analysis.xlsx", "The analysis as an Excel workbook (XLSX, a sheet per table)"),
        ("responses.xlsx", "Raw responses as an Excel workbook (XLSX)"),
    ]

    /// The most audit entries about tokens and sign-ins the page shows.
    static let accessEntriesShown = 50

    private func view(_ survey: Survey, notice: String?, closesAtText: String?, errors: [String: String]) async throws
        -> [String: Any]
    {
        let database = consultation.database
        let now = consultation.clock.now()
        let zone = survey.timeZone
        let (window, bySector, refused, drafts, activity, audit) = try await consultation.storing {
            (try await database.window(of: survey), try await database.respondentsBySector(survey: survey.id),
             try await database.refusedAttempts(survey: survey.id), try await database.openDraftCount(survey: survey.id),
             try await database.activityByQuarterHour(survey: survey.id), try await database.auditLog(survey: nil))
        }
        var view = PageDates.deadline(window, zone: zone, now: now)
        view["wide"] = true
        view["title"] = "Organizer – \(survey.title)"
        view["surveyId"] = survey.id.rawValue
        view["surveyTitle"] = survey.title
        view["timeZone"] = zone.identifier
        view["offsetNow"] = Self.offset(zone, at: now)
        view["submissions"] = bySector.values.reduce(0, +)
        view["hasSubmissions"] = bySector.values.reduce(0, +) > 0
        view["drafts"] = drafts
        view["late"] = refused["deadline-passed"] ?? 0
        view["early"] = refused["not-yet-open"] ?? 0
        view["notice"] = notice
        view["closesAtValue"] = closesAtText ?? LocalInstant.controlValue(window.closesAt, in: zone)
        view["closesAtError"] = errors["closes_at"]
        view["reasonError"] = errors["reason"]
        view["hasErrors"] = !errors.isEmpty
        view["analysisLink"] = "/analyst/s/\(survey.id)"
        // campaigns: the campaigns found and the signals of ballot stuffing.
        let listing = try await CampaignListing.load(survey, scope: "", consultation: consultation)
        let campaigns = listing.clusters.filter { $0.size >= listing.minimumSize }
        view["campaignCount"] = campaigns.count
        view["campaignMinimum"] = listing.minimumSize
        view["confirmedCount"] = campaigns.filter { $0.review == .confirmed }.count
        view["signals"] = listing.signals.sentences
        view["hasSignals"] = listing.signals.any
        view["downloads"] = Self.downloads.map { ["href": "/analyst/s/\(survey.id)/download/\($0.0)", "label": $0.1] }
        let sectors = survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue]
        view["sectorChart"] = SVGChart.horizontalBars(
            id: "chart-by-sector", title: "Submissions by sector",
            groups: sectors.map { SVGChart.Group(label: survey.sectorLabel($0), values: [Double(bySector[$0] ?? 0)]) },
            series: ["Submissions"], format: { String(Int($0)) })
        let days = DailyActivity.days(activity, in: zone)
        view["hasDays"] = !days.isEmpty
        view["dayChart"] = SVGChart.horizontalBars(
            id: "chart-by-day", title: "Submissions and late attempts per day (\(zone.identifier))",
            groups: days.map { SVGChart.Group(label: $0.date, values: [Double($0.submissions), Double($0.late)]) },
            series: ["Submissions", "Refused after the deadline"], format: { String(Int($0)) })
        func entryView(_ entry: AuditRecord) -> [String: Any] {
            [
                "iso": Instant.utcText(entry.at), "local": PageDates.local(entry.at, in: zone), "utc": PageDates.utc(entry.at),
                "sentence": AuditSentence(entry, survey: survey).pageView(zone: zone),
            ]
        }
        let surveyEntries = audit.filter { $0.surveyID == survey.id.rawValue }.reversed().map(entryView)
        let accessEntries = audit.filter { $0.surveyID == nil }.reversed()
        view["audit"] = surveyEntries
        view["hasAudit"] = !surveyEntries.isEmpty
        view["access"] = accessEntries.prefix(Self.accessEntriesShown).map(entryView)
        view["hasAccess"] = !accessEntries.isEmpty
        view["accessCut"] = accessEntries.count > Self.accessEntriesShown ? Self.accessEntriesShown : false
        return view
    }

    /// "UTC+01:00": the zone's offset at `date`.
    static func offset(_ zone: TimeZone, at date: Date) -> String {
        let minutes = zone.secondsFromGMT(for: date) / 60
        return "UTC" + (minutes < 0 ? "-" : "+") + String(format: "%02d:%02d", abs(minutes) / 60, abs(minutes) % 60)
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
