import Foundation
import Hummingbird
import Synchronization

/// Limits how many state-changing requests (submissions, drafts, form posts, sign-ins)
/// one client address may make: a token bucket per address that holds `perMinute`
/// requests and refills continuously. Reads are never limited.
public final class RateLimiter: Sendable {
    /// Requests per minute per client; 0 turns the limit off.
    public let perMinute: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Beyond this many tracked clients, full buckets are forgotten.
    private static let pruneThreshold = 10_000

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    public init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Takes one request from `client`'s bucket: nil if allowed, else the seconds until one is.
    public func admit(_ client: String, at now: Date) -> Int? {
        guard perMinute > 0 else { return nil }
        let capacity = Double(perMinute), perSecond = Double(perMinute) / 60
        return buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perSecond)
            bucket.updated = now
            defer {
                buckets[client] = bucket
                if buckets.count > Self.pruneThreshold {
                    buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * perSecond < capacity }
                }
            }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// Answers `429 Too Many Requests` (with `Retry-After`) to a client over its rate limit.
struct RateLimitMiddleware: RouterMiddleware {
    let limiter: RateLimiter
    let clock: any InstantSource

    func handle(
        _ request: Request, context: ConsultRequestContext,
        next: (Request, ConsultRequestContext) async throws -> Response
    ) async throws -> Response {
        guard limiter.perMinute > 0, request.method != .get, request.method != .head, request.method != .options else {
            return try await next(request, context)
        }
        let client = clientAddress(of: context)
        if let wait = limiter.admit(client, at: clock.now()) {
            var problem = Problem(
                "rate-limited", status: .tooManyRequests, title: "Too many requests",
                detail: "This address sent more than \(limiter.perMinute) requests that change data in a minute. "
                    + "Nothing was stored; try again in \(wait) s.")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
        return try await next(request, context)
    }
}

/// The address a request is counted under, for the rate limit and the caps on open drafts.
func clientAddress(of context: ConsultRequestContext) -> String {
    context.clientAddress?.group ?? "unknown"
}
