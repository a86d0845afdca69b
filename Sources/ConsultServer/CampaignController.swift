// campaigns: the API of clusters of look-alike submissions and their review.
import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The campaigns API for analysts and organizers: the clusters of a survey by size with the
/// signals of ballot stuffing, one cluster with its members and a member compared word by word
/// with the representative, and the review actions (confirm, dismiss, split, move a member),
/// each audited with the token's holder and a reason.
struct CampaignController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/campaigns", use: list)
        router.get("/api/v1/surveys/{survey_id}/campaigns/{cluster_id}", use: show)
        router.post("/api/v1/surveys/{survey_id}/campaigns/{cluster_id}/confirm", use: confirm)
        router.post("/api/v1/surveys/{survey_id}/campaigns/{cluster_id}/dismiss", use: dismiss)
        router.post("/api/v1/surveys/{survey_id}/campaigns/{cluster_id}/split", use: split)
        router.post("/api/v1/surveys/{survey_id}/campaigns/{cluster_id}/move", use: move)
    }

    private func staff(_ request: Request, _ context: ConsultRequestContext) async throws -> (Survey, Principal) {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        return (survey, try await consultation.require([.analyst, .organizer], for: request))
    }

    @Sendable func list(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let scope = request.uri.queryParameters.get("scope").map { String($0) } ?? ""
        guard scope.isEmpty || survey.question(QuestionID(scope)) != nil else {
            throw Problem.invalidField("scope", "scope is empty (the free texts together) or a question id of the survey.")
        }
        let listing = try await CampaignListing.load(survey, scope: scope, consultation: consultation)
        return json(.object([
            "survey_id": .string(survey.id.rawValue), "scope": .string(scope),
            "minimum_size": .number(Double(listing.minimumSize)),
            "signals": Self.signalsJSON(listing.signals),
            "clusters": .array(listing.clusters.map { Self.clusterJSON($0, minimumSize: listing.minimumSize) }),
        ]))
    }

    @Sendable func show(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let id = try ReadingRoomController.numericID(context, "cluster_id")
        let compare = request.uri.queryParameters.get("compare").map { String($0) }
        let detail = try await CampaignDetail.load(id, survey: survey, compare: compare, consultation: consultation)
        var members = Self.clusterJSON(detail.cluster, minimumSize: detail.minimumSize).objectMembers
        if let representative = detail.representative {
            members["representative"] = .object(["respondent": .string(representative.respondent), "text": .string(representative.text)])
            members["text_withheld"] = .null
        } else {
            members["representative"] = .null
            members["text_withheld"] = .string(PublicationChoice.Withholding.confidential.rawValue)
        }
        members["signals"] = Self.signalsJSON(detail.signals)
        members["members"] = .array(detail.members.map(Self.memberJSON))
        if let comparison = detail.comparison {
            let respondent: JSONValue = .string(comparison.member.respondent)
            let left = Self.segmentsJSON(comparison.diff.left), right = Self.segmentsJSON(comparison.diff.right)
            members["comparison"] = .object(["respondent": respondent, "representative": left, "member": right])
        }
        return json(.object(members))
    }

    @Sendable func confirm(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await review(request, context) { id, survey, reviewer, _ in
            Self.clusterJSON(try await consultation.database.campaignReview.confirm(id, in: survey.id.rawValue, by: reviewer),
                minimumSize: CampaignRule.minimumSize(of: survey))
        }
    }

    @Sendable func dismiss(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await review(request, context) { id, survey, reviewer, _ in
            Self.clusterJSON(try await consultation.database.campaignReview.dismiss(id, in: survey.id.rawValue, by: reviewer),
                minimumSize: CampaignRule.minimumSize(of: survey))
        }
    }

    @Sendable func split(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await review(request, context, members: ["members"], status: .created) { id, survey, reviewer, body in
            guard case .array(let list)? = body["members"], !list.isEmpty, list.count <= CampaignCluster.memberListLimit else {
                throw Problem.invalidField(
                    "members", "members is a list of the respondent ids (r-…) to split off, at least 2 and at most "
                        + "\(CampaignCluster.memberListLimit).")
            }
            let respondents = try list.map { value -> String in
                guard let text = value.text else { throw Problem.invalidField("members", "Each member is a respondent id string (r-…).") }
                return text
            }
            return Self.clusterJSON(
                try await consultation.database.campaignReview.split(id, members: respondents, in: survey.id.rawValue, by: reviewer),
                minimumSize: CampaignRule.minimumSize(of: survey))
        }
    }

    @Sendable func move(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await review(request, context, members: ["member", "to"]) { id, survey, reviewer, body in
            guard let member = body["member"]?.text else {
                throw Problem.invalidField("member", "member is the respondent id (r-…) to move.")
            }
            let target: Int64?
            switch body["to"] {
            case nil, .null?: target = nil
            case let value?:
                guard let number = ReadingRoomController.integer(value), number > 0 else {
                    throw Problem.invalidField("to", "to is the id of the cluster to move the member into, or null to take it out.")
                }
                target = number
            }
            try await consultation.database.campaignReview.move(member, of: id, to: target, in: survey.id.rawValue, by: reviewer)
            return .object([
                "member": .string(member), "from": .number(Double(id)), "to": target.map { .number(Double($0)) } ?? .null,
            ])
        }
    }

    /// Reads `{"reason", …members}`, checks the reason and runs `action` with the reviewer.
    private func review(
        _ request: Request, _ context: ConsultRequestContext, members allowed: Set<String> = [],
        status: HTTPResponse.Status = .ok,
        _ action: (Int64, Survey, CampaignReviewer, [String: JSONValue]) async throws -> JSONValue
    ) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        let id = try ReadingRoomController.numericID(context, "cluster_id")
        var request = request
        let (body, _) = try await request.jsonObject()
        try ReadingRoomController.onlyMembers(body, allowed.union(["reason"]))
        let reason: AuditReason
        do {
            reason = try AuditReason(body["reason"]?.text ?? "")
        } catch {
            throw Problem.invalidField("reason", "reason: \(error.message).")
        }
        let reviewer = CampaignReviewer(
            tokenID: principal.tokenID, actor: principal.actor, reason: reason, at: consultation.clock.now())
        let result = try await consultation.storing { try await action(id, survey, reviewer, body) }
        return json(result, status: status)
    }

    // MARK: JSON

    static func memberJSON(_ member: CampaignMember) -> JSONValue {
        let similarity = (member.similarity * 10_000).rounded() / 10_000
        let country: JSONValue = member.country.map { .string($0) } ?? .null
        let object: [String: JSONValue] = [
            "respondent": .string(member.respondent), "similarity": .number(similarity),
            "placed_by_analyst": .bool(member.placedByAnalyst), "sector": .string(member.finalSector),
            "country": country, "publication": .string(member.publication.rawValue),
            "received_at": .string(Instant.utcText(member.receivedAt)),
        ]
        return .object(object)
    }

    static func segmentsJSON(_ segments: [WordDiff.Segment]) -> JSONValue {
        .array(segments.map { segment -> JSONValue in .object(["text": .string(segment.text), "differs": .bool(segment.differs)]) })
    }

    static func clusterJSON(_ cluster: CampaignCluster, minimumSize: Int) -> JSONValue {
        func counts(_ values: [String: Int]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: values.map { ($0.key.isEmpty ? "unknown" : $0.key, .number(Double($0.value))) }))
        }
        return .object([
            "id": .number(Double(cluster.id)), "scope": .string(cluster.scope), "size": .number(Double(cluster.size)),
            "is_campaign": .bool(cluster.size >= minimumSize), "review": .string(cluster.review.rawValue),
            "reviewed_at": cluster.reviewedAt.map { .string(Instant.utcText($0)) } ?? .null,
            "sectors": counts(cluster.sectors), "countries": counts(cluster.countries),
            "first_received": cluster.firstReceived.map { .string(Instant.utcText($0)) } ?? .null,
            "last_received": cluster.lastReceived.map { .string(Instant.utcText($0)) } ?? .null,
        ])
    }

    static func signalsJSON(_ signals: StuffingSignals) -> JSONValue {
        .object([
            "same_address": .object([
                "addresses": .number(Double(signals.sharedAddresses.addresses)),
                "submissions": .number(Double(signals.sharedAddresses.submissions)),
                "largest": .number(Double(signals.sharedAddresses.largest)),
                "threshold": .number(Double(StuffingSignals.Rule.sameAddress)),
            ]),
            "identical_closed_answers": .object([
                "groups": .number(Double(signals.identicalAnswers.groups)),
                "submissions": .number(Double(signals.identicalAnswers.submissions)),
                "largest": .number(Double(signals.identicalAnswers.largest)),
                "threshold": .number(Double(StuffingSignals.Rule.identicalClosedAnswers)),
            ]),
            "burst": .object([
                "raised": .bool(signals.isBurst), "densest": .number(Double(signals.densestWindow.count)),
                "from": signals.densestWindow.from.map { .string(Instant.utcText($0)) } ?? .null,
                "window_seconds": .number(StuffingSignals.Rule.burstWindow),
                "threshold": .number(Double(StuffingSignals.Rule.burstSize)),
            ]),
            "sentences": .array(signals.sentences.map(JSONValue.string)),
        ])
    }
}

/// A survey's clusters in one scope with the survey-wide signals: shared by the API and the page.
struct CampaignListing {
    let clusters: [CampaignCluster]
    let signals: StuffingSignals
    let minimumSize: Int

    static func load(_ survey: Survey, scope: String, consultation: Consultation) async throws -> CampaignListing {
        let database = consultation.database
        return try await consultation.storing {
            CampaignListing(
                clusters: try await database.campaignReview.clusters(of: survey.id.rawValue, scope: scope),
                signals: try await database.campaignSignals.signals(ofSurvey: survey.id.rawValue),
                minimumSize: CampaignRule.minimumSize(of: survey))
        }
    }
}

/// One cluster with its members, representative, signals and, when asked, a member compared with
/// the representative word by word: shared by the API and the page.
struct CampaignDetail {
    let cluster: CampaignCluster
    let minimumSize: Int
    let members: [CampaignMember]
    let representative: (seq: Int64, respondent: String, text: String)?
    let signals: StuffingSignals
    let comparison: (member: CampaignMember, text: String, diff: WordDiff)?

    static func load(_ id: Int64, survey: Survey, compare: String?, consultation: Consultation) async throws -> CampaignDetail {
        let review = consultation.database.campaignReview
        let surveyID = survey.id.rawValue
        return try await consultation.storing {
            let cluster = try await review.cluster(id, of: surveyID)
            let members = try await review.members(of: id, survey: surveyID)
            let representative = try await review.shownRepresentative(of: id, survey: survey)
            var comparison: (member: CampaignMember, text: String, diff: WordDiff)?
            if let compare {
                guard let member = members.first(where: { $0.respondent == compare }) else {
                    throw CampaignRefusal.unknownMember(compare)
                }
                let text = try await review.texts(of: [member.seq], survey: survey)[member.seq]?.text ?? ""
                comparison = (member, text, WordDiff(representative?.text ?? "", text))
            }
            return CampaignDetail(
                cluster: cluster, minimumSize: CampaignRule.minimumSize(of: survey), members: members,
                representative: representative,
                signals: try await consultation.database.campaignSignals.signals(ofCluster: id, survey: surveyID),
                comparison: comparison)
        }
    }
}

extension JSONValue {
    /// The members of an object (empty for anything else).
    fileprivate var objectMembers: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}
