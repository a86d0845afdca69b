import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// API uploads of position papers: an upload resource. The body is the file itself, streamed to
/// a spool and refused as soon as it passes the question's size; the answer names the file by the
/// id returned, and a submission or draft binds it when it is sent with the same `Upload-Token`.
///
/// Why not one multipart request with the answers: a 10 MB file then has to be resent whenever
/// the answers are refused (say, after a typo), and the idempotency key would hash megabytes.
/// Separate uploads are retried alone, and the answers stay small JSON.
struct UploadController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.post("/api/v1/surveys/{survey_id}/files", use: upload)
    }

    @Sendable func upload(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let questionID = request.uri.queryParameters.get("question") ?? ""
        guard let question = survey.questions.first(where: { $0.id.rawValue == questionID }), let rule = question.fileRule
        else {
            throw Problem.invalidField(
                "question", "name a file question of this survey in ?question=: "
                    + survey.questions.filter { $0.fileRule != nil }.map(\.id.rawValue).joined(separator: ", "))
        }
        let owner: String
        if let given = request.headers[.uploadToken] {
            guard (32...200).contains(given.utf8.count), given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw Problem.badRequest("The Upload-Token header must be 32 to 200 visible ASCII characters; "
                    + "send the upload_token an earlier upload returned, or none for a new one.")
            }
            owner = given
        } else {
            owner = Secret.newToken()
        }
        let now = consultation.clock.now()
        let window = try await consultation.storing { try await consultation.database.window(of: survey) }
        let status = window.status(at: now.truncatedToMilliseconds)
        guard status == .open else {
            throw Problem.outsideWindow(
                status, window: window, survey: survey, receivedAt: now.truncatedToMilliseconds,
                consequence: "The file was not stored.")
        }
        // A declared length over the limit is refused before a byte is read.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > rule.maxBytes {
            throw Problem.fileTooLarge(limit: rule.maxBytes)
        }
        let spool = try UploadSpool(folder: consultation.spoolFolder, limit: rule.maxBytes)
        do {
            for try await buffer in request.body { try spool.append(buffer) }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.badRequest("The upload could not be read: it ended early or its framing is broken. Nothing was stored.")
        }
        let name = request.uri.queryParameters.get("name").map { String($0) } ?? "file"
        let staged = try await UploadIntake(consultation: consultation).stage(
            spool, name: name, question: question, rule: rule, survey: survey, owner: owner)
        return json(
            .object(["file": staged.file.json, "question": .string(question.id.rawValue), "upload_token": .string(owner)]),
            status: staged.isNew ? .created : .ok, headers: .notStored)
    }
}
