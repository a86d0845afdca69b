import ConsultCore
import Foundation
import Hummingbird

/// An RFC 9457 problem: every error the API returns, as `application/problem+json`.
///
/// Handlers throw it; Hummingbird turns it into the response.
public struct Problem: HTTPResponseError, Sendable {
    /// The last part of the problem's `type`, e.g. `deadline-passed` in `/problems/deadline-passed`.
    public let slug: String
    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String
    /// Members added to the problem object, such as `errors` or `closes_at`.
    public var extensions: [String: JSONValue] = [:]
    public var headers: HTTPFields = [:]

    public init(_ slug: String, status: HTTPResponse.Status, title: String, detail: String) {
        self.slug = slug
        self.status = status
        self.title = title
        self.detail = detail
    }

    public var type: String { "/problems/\(slug)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var members = extensions
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .number(Double(status.code))
        members["detail"] = .string(detail)
        members["instance"] = .string(request.uri.path)
        if let id = (context as? ConsultRequestContext)?.requestID { members["request_id"] = .string(id) }
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(members).canonicalText)))
    }
}

extension Problem {
    static func notFound(_ what: String) -> Problem {
        Problem("not-found", status: .notFound, title: "Not found", detail: what)
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem("bad-request", status: .badRequest, title: "The request is malformed", detail: detail)
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem("unauthorized", status: .unauthorized, title: "Authentication needed", detail: detail)
        problem.headers[.wwwAuthenticate] = "Bearer"
        return problem
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem("forbidden", status: .forbidden, title: "Not allowed", detail: detail)
    }

    static func invalidAnswers(_ problems: [AnswerProblem]) -> Problem {
        var problem = Problem(
            "invalid-answers", status: .unprocessableContent, title: "Some answers are not valid",
            detail: problems.count == 1
                ? "1 question has a problem; nothing was stored." : "\(problems.count) questions have problems; nothing was stored.")
        problem.extensions["errors"] = .array(problems.map {
            .object(["question": .string($0.question), "message": .string($0.message)])
        })
        return problem
    }

    static func invalidField(_ field: String, _ message: String) -> Problem {
        invalidAnswers([AnswerProblem(question: field, message: message)])
    }

    /// The survey was not open when the request arrived: before `opens_at` or after `closes_at`.
    static func outsideWindow(
        _ status: SurveyWindow.Status, window: SurveyWindow, survey: Survey, receivedAt: Date,
        consequence: String = "Nothing was stored."
    ) -> Problem {
        let zone = survey.timeZone
        func both(_ date: Date) -> String {
            "\(Instant.utcText(date)) (\(Instant.localText(date, in: zone)) \(zone.identifier))"
        }
        var problem: Problem
        if status == .upcoming {
            problem = Problem(
                "not-yet-open", status: .forbidden, title: "The survey is not open yet",
                detail: "\(survey.title) opens at \(both(window.opensAt)); this request was received at "
                    + "\(Instant.utcText(receivedAt)). \(consequence)")
            problem.extensions["opens_at"] = .string(Instant.utcText(window.opensAt))
            problem.extensions["opens_at_local"] = .string(Instant.localText(window.opensAt, in: zone))
        } else {
            problem = Problem(
                "deadline-passed", status: .forbidden, title: "The deadline has passed",
                detail: "\(survey.title) closed at \(both(window.closesAt)); this request was received at "
                    + "\(Instant.utcText(receivedAt)). \(consequence)")
        }
        problem.extensions["closes_at"] = .string(Instant.utcText(window.closesAt))
        problem.extensions["closes_at_local"] = .string(Instant.localText(window.closesAt, in: zone))
        problem.extensions["time_zone"] = .string(zone.identifier)
        problem.extensions["received_at"] = .string(Instant.utcText(receivedAt))
        return problem
    }

    static let unavailable = Problem(
        "service-unavailable", status: .serviceUnavailable, title: "The service cannot store data right now",
        detail: "The database could not be written; nothing was stored. Try again later.")
}
