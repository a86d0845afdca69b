import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// The public page where anyone pastes a receipt and learns whether this service signed it and
/// what it proves. The check is the API's (`POST /api/v1/receipts/verify`): the store's signer.
struct ReceiptCheckPage {
    let consultation: Consultation
    let renderer: PageRenderer

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/receipts/check", use: form)
        router.post("/receipts/check", use: check)
    }

    @Sendable func form(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        return visit.page(renderer, "receipt-check", ["title": "Check a receipt"])
    }

    @Sendable func check(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let visit = try await PageVisit(request, consultation: consultation)
        var request = request
        let form = try await request.formFields()
        try visit.checkFormToken(form)
        let pasted = form["receipt"] ?? ""
        var view: [String: Any] = ["title": "Check a receipt", "pasted": pasted]
        guard let receipt = try? JSONDecoder().decode(Receipt.self, from: Data(pasted.utf8)) else {
            view["outcome"] = [
                "valid": false,
                "reason": pasted.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                    ? "Nothing was pasted." : "This is not a receipt: paste the whole receipt file, from { to }.",
            ] as [String: Any]
            return visit.page(renderer, "receipt-check", view, status: .unprocessableContent)
        }
        if let problem = consultation.database.receipts.problem(with: receipt) {
            view["outcome"] = ["valid": false, "reason": "This receipt is not valid: \(problem)."] as [String: Any]
            return visit.page(renderer, "receipt-check", view)
        }
        view["outcome"] = try await proof(of: receipt)
        return visit.page(renderer, "receipt-check", view)
    }

    /// What a genuine receipt proves, with times in the survey's zone and in UTC.
    private func proof(of receipt: Receipt) async throws -> [String: Any] {
        var proof: [String: Any] = [
            "valid": true, "surveyId": receipt.surveyID, "surveyTitle": receipt.surveyID,
            "submissionId": receipt.submissionID, "version": receipt.version, "answersSHA256": receipt.answersSHA256,
            "receivedUTC": receipt.receivedAt,
        ]
        let receivedAt = try? Instant.parse(receipt.receivedAt)
        if let receivedAt { proof["receivedUTC"] = PageDates.utc(receivedAt) }
        guard let survey = consultation.surveys.first(where: { $0.id.rawValue == receipt.surveyID }) else { return proof }
        proof["surveyTitle"] = survey.title
        guard let receivedAt else { return proof }
        proof["receivedLocal"] = PageDates.local(receivedAt, in: survey.timeZone)
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        let deadline = "\(PageDates.local(window.closesAt, in: survey.timeZone)) (\(PageDates.utc(window.closesAt)))"
        proof["deadline"] = receivedAt <= window.closesAt
            ? "Yes: received before the deadline, \(deadline)."
            : "Received after the deadline now set, \(deadline); it was accepted under the deadline in force then."
        return proof
    }
}
