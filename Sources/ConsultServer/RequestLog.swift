import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, at info: method, route template (`/s/{survey_id}/resume/{draft_id}`,
/// or `unmatched`), status, duration and a request id. Never the URI itself, whose path or query
/// may carry a resume or edit link or a role token, nor headers or bodies.
///
/// The id is new for every request (one a client sends is ignored); the response carries it as
/// `X-Request-Id` and a problem document as `request_id`, so a report can be matched to its line.
struct RequestLogResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == ConsultRequestContext {
    typealias Context = ConsultRequestContext

    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        var context = context
        let id = Self.newID()
        context.requestID = id
        // One id per request in every line logged for it: this one rather than Hummingbird's own.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(id)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await inner.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            log(request, context, status: .internalServerError, since: started)
            throw error
        }
        response.headers[Self.header] = id
        log(request, context, status: response.status, since: started)
        return response
    }

    private func log(_ request: Request, _ context: Context, status: HTTPResponse.Status, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(Self.route(context.endpointPath)),
                "status": .stringConvertible(status.code), "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ])
    }

    /// The matched route's template; Hummingbird names a miss `NotFound`.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        return endpointPath
    }

    /// 12 random hex digits: short enough to quote, unique enough to find one line among a day's.
    static func newID() -> String {
        let value = UInt64.random(in: 0..<(1 << 48))
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 12 - digits.count) + digits
    }
}
