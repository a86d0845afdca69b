// campaigns: the campaigns page for analysts and organizers.
import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The campaigns pages: a survey's clusters of look-alike submissions by size with the signals of
/// ballot stuffing, and one cluster with its representative, its members, a member shown beside the
/// representative with the differing words marked (computed here, no JavaScript), and the review
/// forms (confirm, dismiss, split, move a member), each audited with a reason.
struct CampaignPages {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/analyst/s/{survey_id}/campaigns", use: list)
        router.get("/analyst/s/{survey_id}/campaigns/{cluster_id}", use: show)
        router.post("/analyst/s/{survey_id}/campaigns/{cluster_id}", use: review)
    }

    @Sendable func list(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let listing = try await CampaignListing.load(survey, scope: "", consultation: consultation)
        let campaigns = listing.clusters.filter { $0.size >= listing.minimumSize }
        return visit.page(renderer, "analyst-campaigns", [
            "wide": true, "title": "Campaigns – \(survey.title)", "surveyId": survey.id.rawValue, "surveyTitle": survey.title,
            "minimumSize": listing.minimumSize, "campaignCount": campaigns.count, "clusterCount": listing.clusters.count,
            "hasClusters": !listing.clusters.isEmpty, "signals": listing.signals.sentences,
            "hasSignals": listing.signals.any,
            "clusters": listing.clusters.map { cluster -> [String: Any] in
                Self.clusterRow(cluster, minimumSize: listing.minimumSize)
            },
        ])
    }

    static func clusterRow(_ cluster: CampaignCluster, minimumSize: Int) -> [String: Any] {
        func tally(_ counts: [String: Int]) -> String {
            counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5)
                .map { "\($0.key.isEmpty ? "unknown" : $0.key) \($0.value)" }.joined(separator: ", ")
        }
        return [
            "id": cluster.id, "size": cluster.size, "isCampaign": cluster.size >= minimumSize,
            "review": cluster.review.rawValue, "sectors": tally(cluster.sectors), "countries": tally(cluster.countries),
            "first": cluster.firstReceived.map(Instant.utcText) ?? "", "last": cluster.lastReceived.map(Instant.utcText) ?? "",
        ]
    }

    @Sendable func show(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        _ = try visit.requireStaff([.analyst, .organizer])
        let id = try ReadingRoomController.numericID(context, "cluster_id")
        let query = request.uri.queryParameters
        let compare = query.get("compare").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let detail = try await CampaignDetail.load(id, survey: survey, compare: compare, consultation: consultation)
        let notice = query.get("done").flatMap { Self.notices[String($0)] }
        return visit.page(renderer, "analyst-campaign", view(detail, survey: survey, notice: notice))
    }

    private static let notices = [
        "confirmed": "The cluster was confirmed as a campaign (recorded in the audit log).",
        "dismissed": "The cluster was dismissed: its members count as any submission (recorded in the audit log).",
        "split": "The members were split off into a new cluster (recorded in the audit log).",
        "moved": "The member was moved (recorded in the audit log).",
    ]

    private func view(_ detail: CampaignDetail, survey: Survey, notice: String?) -> [String: Any] {
        func segments(_ list: [WordDiff.Segment]) -> [[String: Any]] {
            list.map { ["text": UntrustedText.visible($0.text), "differs": $0.differs] }
        }
        var view: [String: Any] = [
            "wide": true, "title": "Cluster \(detail.cluster.id) – \(survey.title)", "surveyId": survey.id.rawValue,
            "surveyTitle": survey.title, "notice": notice ?? false,
            "cluster": Self.clusterRow(detail.cluster, minimumSize: detail.minimumSize), "minimumSize": detail.minimumSize,
            "signals": detail.signals.sentences, "hasSignals": detail.signals.any,
            "members": detail.members.map { member -> [String: Any] in
                [
                    "respondent": member.respondent, "similarity": String(format: "%.2f", member.similarity),
                    "placed": member.placedByAnalyst, "sector": member.finalSector, "country": member.country ?? "",
                    "publication": member.publication.rawValue, "received": Instant.utcText(member.receivedAt),
                    "isRepresentative": member.seq == detail.representative?.seq,
                    "compared": member.respondent == detail.comparison?.member.respondent,
                ]
            },
            "listLimited": detail.members.count < detail.cluster.size, "listed": detail.members.count,
            "canSplit": detail.cluster.size >= 4, "canMove": detail.cluster.size > 2,
        ]
        if let representative = detail.representative {
            view["representative"] = [
                "respondent": representative.respondent, "text": UntrustedText.pageView(representative.text),
            ]
        } else {
            view["withheld"] = true
        }
        if let comparison = detail.comparison {
            let words = comparison.diff.differingWords
            view["comparison"] = [
                "respondent": comparison.member.respondent, "left": segments(comparison.diff.left),
                "right": segments(comparison.diff.right), "leftDiffers": words.left, "rightDiffers": words.right,
                "confidential": comparison.member.publication == .confidential,
            ]
        }
        return view
    }

    /// One form posts here with `action` = confirm, dismiss, split or move, and a reason.
    @Sendable func review(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        let id = try ReadingRoomController.numericID(context, "cluster_id")
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let reason: AuditReason
        do {
            reason = try AuditReason(form["reason"] ?? "")
        } catch {
            throw Problem.invalidField("reason", "Reason: \(error.message). Nothing was changed.")
        }
        let reviewer = CampaignReviewer(tokenID: principal.tokenID, actor: principal.actor, reason: reason, at: consultation.clock.now())
        let review = consultation.database.campaignReview
        let surveyID = survey.id.rawValue
        let base = "/analyst/s/\(survey.id)/campaigns"
        return try await consultation.storing {
            switch form["action"] ?? "" {
            case "confirm":
                _ = try await review.confirm(id, in: surveyID, by: reviewer)
                return visit.redirect(to: "\(base)/\(id)?done=confirmed")
            case "dismiss":
                _ = try await review.dismiss(id, in: surveyID, by: reviewer)
                return visit.redirect(to: "\(base)/\(id)?done=dismissed")
            case "split":
                let members = form.values("member")
                let created = try await review.split(id, members: members, in: surveyID, by: reviewer)
                return visit.redirect(to: "\(base)/\(created.id)?done=split")
            case "move":
                guard let member = form["member"], !member.isEmpty else {
                    throw Problem.invalidField("member", "Choose the member to move. Nothing was changed.")
                }
                let to = (form["to"] ?? "").trimmingCharacters(in: .whitespaces)
                let target: Int64?
                if to.isEmpty {
                    target = nil
                } else {
                    guard let number = Int64(to), number > 0 else {
                        throw Problem.invalidField("to", "The cluster to move into is a cluster id (a number), or empty to take the member out.")
                    }
                    target = number
                }
                try await review.move(member, of: id, to: target, in: surveyID, by: reviewer)
                return visit.redirect(to: "\(base)/\(id)?done=moved")
            default:
                throw Problem.badRequest("The form's action must be confirm, dismiss, split or move.")
            }
        }
    }
}
