import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// What anyone may read: the surveys, the service's health, the API description, and receipt checks.
struct PublicController {
    let consultation: Consultation
    /// The OpenAPI document, read once at start.
    let openAPIDocument: ByteBuffer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/healthz", use: health)
        router.get("/openapi.json", use: openAPI)
        router.get("/api/v1/surveys", use: listSurveys)
        router.get("/api/v1/surveys/{survey_id}", use: survey)
        router.post("/api/v1/receipts/verify", use: verifyReceipt)
    }

    @Sendable func health(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let database = try await consultation.storing { try await consultation.database.ping() }
        return json(.object(["status": .string("ok"), "database": .string(database)]))
    }

    @Sendable func openAPI(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPIDocument))
    }

    @Sendable func listSurveys(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let now = consultation.clock.now()
        var summaries: [JSONValue] = []
        for survey in consultation.surveys {
            let window = try await consultation.storing { try await consultation.database.window(of: survey) }
            summaries.append(SurveyJSON.summary(survey, window: window, at: now))
        }
        return json(.array(summaries))
    }

    @Sendable func survey(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        return json(SurveyJSON.definition(survey, window: window, at: consultation.clock.now()))
    }

    @Sendable func verifyReceipt(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        var request = request
        let (_, bytes) = try await request.jsonObject()
        let receipt: Receipt
        do {
            receipt = try JSONDecoder().decode(Receipt.self, from: bytes)
        } catch {
            throw Problem.badRequest("The body must be a receipt as returned with a submission.")
        }
        let problem = consultation.database.receipts.problem(with: receipt)
        return json(.object(["valid": .bool(problem == nil), "reason": SurveyJSON.optional(problem)]))
    }
}
