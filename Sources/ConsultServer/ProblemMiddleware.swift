import ConsultStore
import Hummingbird
import Logging

/// Turns every error into an RFC 9457 problem response: the store's access failures,
/// Hummingbird's own errors (unknown route, oversized body), and anything unexpected
/// (a 500 that reveals nothing of the cause, which is logged instead).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let refusal as any StoreRefusal {
            throw Problem(refusal, path: request.uri.path)
        } catch let error as any HTTPResponseError {
            throw Problem(
                error.status == .notFound ? "not-found" : "http-\(error.status.code)", status: error.status,
                title: error.status.reasonPhrase, detail: "\(request.method) \(request.uri.path): \(error.status.reasonPhrase).")
        } catch {
            // The route template, not the path: a path may hold a resume or edit link.
            context.logger.error("unexpected error", metadata: ["error": "\(error)", "route": "\(context.endpointPath ?? "unmatched")"])
            throw Problem(
                "internal-error", status: .internalServerError, title: "Something went wrong",
                detail: "The server could not complete the request; it was logged.")
        }
    }
}
