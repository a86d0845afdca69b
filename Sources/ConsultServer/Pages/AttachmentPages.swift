// Position papers (extract): a submission's files on the whole-submission page.
import ConsultCore
import ConsultStore
import Foundation
import Hummingbird

/// Opens a respondent's file from the whole-submission page with the browser's session; the
/// page lists the files (``filesView``).
struct AttachmentPages {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/analyst/s/{survey_id}/respondents/{respondent}/files/{file_id}", use: open)
    }

    @Sendable func open(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let visit = try await PageVisit(request, consultation: consultation)
        let principal = try visit.requireStaff([.analyst, .organizer])
        return try await AttachmentController.download(
            try pathID(context, "file_id"), of: try pathID(context, "respondent"), survey: survey, by: principal,
            consultation: consultation, context: context)
    }

    /// The files section of the whole-submission page: each file with its question, kind, size,
    /// SHA-256 and extraction status (a failure with its reason).
    static func filesView(_ reading: RespondentReading, consultation: Consultation) async throws -> [String: Any] {
        let survey = reading.survey
        let files = try await consultation.storing {
            try await consultation.database.attachmentFiles.current(ofSubmission: reading.file.seq)
        }.filter { AttachmentController.shows($0, of: reading.file, in: survey) }
        return [
            "hasFiles": !files.isEmpty,
            "files": files.map { file -> [String: Any] in
                [
                    "name": file.fileName, "kind": file.kind.uppercased(), "size": Self.sizeText(file.size),
                    "bytes": file.size, "sha256": file.sha256Hex,
                    "question": survey.question(QuestionID(file.question))?.text ?? file.question,
                    "href": "/analyst/s/\(survey.id)/respondents/\(reading.file.respondent)/files/\(file.publicID)",
                    "extracted": file.extraction == .extracted, "pending": file.extraction == .pending,
                    "failed": file.extraction == .failed, "failure": file.failure ?? "",
                    "pages": file.pages.map { ($0 == 1 ? "1 page" : "\($0) pages") as Any } ?? false, "characters": file.characters ?? 0,
                ]
            },
        ]
    }

    /// "820 bytes", "12.5 KB", "3.2 MB" (decimal units, as file managers show them).
    static func sizeText(_ bytes: Int) -> String {
        if bytes < 1_000 { return "\(bytes) bytes" }
        if bytes < 1_000_000 { return String(format: "%.1f KB", Double(bytes) / 1_000) }
        return String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
