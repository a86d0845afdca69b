// Position papers (extract): analysts open a submission's files.
import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A submission's files for analysts and organizers: listed with their extraction status, and
/// opened as downloads (never shown inline: `Content-Disposition: attachment`, `nosniff`, not
/// stored by caches). Every opening is recorded in the audit log. Files answering personal
/// questions are listed and opened only for respondents published with their name, as the
/// answers are; confidential respondents' files are read here, and never leave in exports.
struct AttachmentController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/respondents/{respondent}/files", use: list)
        router.get("/api/v1/surveys/{survey_id}/respondents/{respondent}/files/{file_id}", use: open)
    }

    @Sendable func list(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        _ = try await consultation.require([.analyst, .organizer], for: request)
        let respondent = try pathID(context, "respondent")
        let files = try await Self.files(of: respondent, survey: survey, consultation: consultation)
        return json(.object([
            "survey_id": .string(survey.id.rawValue), "respondent": .string(respondent),
            "files": .array(files.files.map { Self.fileJSON($0, survey: survey, respondent: respondent) }),
        ]))
    }

    @Sendable func open(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        return try await Self.download(
            try pathID(context, "file_id"), of: try pathID(context, "respondent"), survey: survey, by: principal,
            consultation: consultation, context: context)
    }

    /// The current files of `respondent` that analysts may see, and the submission they belong to.
    static func files(of respondent: String, survey: Survey, consultation: Consultation) async throws
        -> (file: RespondentFile, files: [AttachmentSummary])
    {
        let database = consultation.database
        let file = try await consultation.storing { try await database.respondents.file(respondent, of: survey.id.rawValue) }
        guard let file else { throw Problem.notFound("There is no respondent \"\(respondent)\" in \(survey.id).") }
        let files = try await consultation.storing { try await database.attachmentFiles.current(ofSubmission: file.seq) }
        return (file, files.filter { shows($0, of: file, in: survey) })
    }

    /// Whether analysts may open a file: the publication rule on personal questions, as for answers.
    static func shows(_ attachment: AttachmentSummary, of file: RespondentFile, in survey: Survey) -> Bool {
        guard let question = survey.question(QuestionID(attachment.question)) else { return false }
        return file.publication.disclosesAnswer(to: question)
    }

    /// Streams one file as a download and records who opened it; 404 when the respondent has no such
    /// file or may not show it.
    static func download(
        _ fileID: String, of respondent: String, survey: Survey, by principal: Principal, consultation: Consultation,
        context: ConsultRequestContext
    ) async throws -> Response {
        let database = consultation.database
        let owner = try await consultation.storing { try await database.respondents.file(respondent, of: survey.id.rawValue) }
        guard let owner else { throw Problem.notFound("There is no respondent \"\(respondent)\" in \(survey.id).") }
        let found = try await consultation.storing { try await database.attachmentFiles.file(fileID, ofSubmission: owner.seq) }
        guard let found, shows(found.summary, of: owner, in: survey) else {
            throw Problem.notFound("Respondent \(respondent) has no file \"\(fileID)\" you may open.")
        }
        let headers: HTTPFields = [
            .contentType: found.summary.mediaType,
            .contentDisposition: contentDisposition(found.summary.fileName),
            .cacheControl: "private, no-store",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            // Opened by mistake in a tab, it can run nothing.
            HTTPField.Name("Content-Security-Policy")!: "sandbox; default-src 'none'",
        ]
        guard !context.answersHEAD else { return Response(status: .ok, headers: headers) }
        try await consultation.storing {
            try await database.attachmentFiles.recordDownload(
                of: found.summary, respondent: respondent, survey: survey.id.rawValue, by: principal.actor,
                at: consultation.clock.now())
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: found.content)))
    }

    /// `attachment` with the name twice: plain ASCII (anything else, quotes and controls as `_`)
    /// for old clients, and exact in RFC 8187 `filename*`.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(String.UnicodeScalarView(name.unicodeScalars.map { scalar -> Unicode.Scalar in
            (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? scalar : "_"
        }))
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(0x80)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    static func fileJSON(_ file: AttachmentSummary, survey: Survey, respondent: String) -> JSONValue {
        .object([
            "id": .string(file.publicID),
            "question": .string(file.question),
            "name": .string(file.fileName),
            "kind": .string(file.kind),
            "size": .number(Double(file.size)),
            "sha256": .string(file.sha256Hex),
            "uploaded_at": .string(Instant.utcText(file.uploadedAt)),
            "extraction": .string(file.extraction.rawValue),
            "pages": file.pages.map { .number(Double($0)) } ?? .null,
            "characters": file.characters.map { .number(Double($0)) } ?? .null,
            "failure": file.failure.map(JSONValue.string) ?? .null,
            "href": .string("/api/v1/surveys/\(survey.id)/respondents/\(respondent)/files/\(file.publicID)"),
        ])
    }
}
