import ConsultCore
import ConsultStore
import Foundation
import Hummingbird
import Logging

/// What every controller works with: the loaded surveys, the database and the clock.
public struct Consultation: Sendable {
    /// The surveys, sorted by id.
    public let surveys: [Survey]
    private let surveysByID: [String: Survey]
    public let database: any ConsultStorage
    public let clock: any InstantSource
    /// The caps on open drafts and when drafts expire.
    public let draftLimits: DraftLimits
    /// Where downloads write their export before streaming it (in a private folder, unlinked at once).
    public let exportFolder: URL

    public init(
        surveys: [Survey], database: any ConsultStorage, clock: any InstantSource, draftLimits: DraftLimits = .standard,
        exportFolder: URL = FileManager.default.temporaryDirectory
    ) {
        self.surveys = surveys.sorted { $0.id < $1.id }
        surveysByID = Dictionary(surveys.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        self.database = database
        self.clock = clock
        self.draftLimits = draftLimits
        self.exportFolder = exportFolder
    }

    /// The survey named in the path, or a 404 problem.
    func survey(_ id: String) throws -> Survey {
        guard let survey = surveysByID[id] else { throw Problem.notFound("There is no survey \"\(id)\".") }
        return survey
    }

    /// The holder of the request's role token, if their role is one of `roles`: else 401 (no token,
    /// or one unknown, expired or revoked) or 403.
    func require(_ roles: Set<Role>, for request: Request) async throws -> Principal {
        guard let token = request.bearerToken else {
            throw Problem.unauthorized("Send an organizer or analyst token as Authorization: Bearer <token>.")
        }
        let now = clock.now()
        let principal: Principal
        switch try await storing({ try await database.principal(forToken: token, at: now) }) {
        case .success(let holder): principal = holder
        case .failure(let refusal): throw Problem.refused(refusal)
        }
        guard roles.contains(principal.role) else {
            throw Problem.forbidden("This needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); "
                + "the token is a \(principal.role.rawValue) token.")
        }
        return principal
    }

    /// The bearer token of a request that acts on one submission or draft, or a 401 problem.
    func ownerToken(_ request: Request, kind: String) throws -> String {
        guard let token = request.bearerToken else {
            throw Problem.unauthorized("Send the \(kind) token you were given as Authorization: Bearer <token>.")
        }
        return token
    }

    /// Runs a store operation, turning a database failure into a 503 problem (nothing was stored).
    func storing<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as Problem {
            throw error
        } catch let refusal as any StoreRefusal {
            throw refusal
        } catch {
            Logger(label: "consult.store").error("database failure", metadata: ["error": "\(error)"])
            throw Problem.unavailable
        }
    }
}

extension Problem {
    /// 401 for a role token that is unknown, expired (`/problems/token-expired`) or revoked
    /// (`/problems/token-revoked`).
    static func refused(_ refusal: TokenRefusal) -> Problem {
        var problem: Problem
        switch refusal {
        case .unknown: return .unauthorized(refusal.message)
        case .expired: problem = Problem("token-expired", status: .unauthorized, title: "The token has expired", detail: refusal.message)
        case .revoked: problem = Problem("token-revoked", status: .unauthorized, title: "The token was revoked", detail: refusal.message)
        }
        problem.headers[.wwwAuthenticate] = #"Bearer error="invalid_token""#
        return problem
    }
}
