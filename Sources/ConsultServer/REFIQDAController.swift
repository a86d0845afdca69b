// refiqda: REFI-QDA exchange files over the API.
import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird
import NIOCore

/// The survey as a REFI-QDA project (`project.qdpx`) and its themes as a REFI-QDA codebook
/// (`codebook.qdc`, read and written), for analysts and organizers.
struct REFIQDAController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/project.qdpx", use: project)
        router.get("/api/v1/surveys/{survey_id}/codebook.qdc", use: codebook)
        router.put("/api/v1/surveys/{survey_id}/codebook.qdc", use: importCodebook)
    }

    @Sendable func project(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        return try await AnalystController.download(
            ExportDownload(.analysis, .qdpx), of: survey, by: principal, consultation: consultation, context: context)
    }

    @Sendable func codebook(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        return try await Self.downloadCodebook(of: survey, by: principal, consultation: consultation, context: context)
    }

    /// The codebook download, or a 409 problem when the survey has no themes (a codebook holds at least one code).
    static func downloadCodebook(
        of survey: Survey, by principal: Principal, consultation: Consultation, context: ConsultRequestContext
    ) async throws -> Response {
        let themes = try await consultation.storing { try await consultation.database.themeCounts.themes(survey: survey.id) }
        guard !themes.isEmpty else {
            throw Problem(
                "no-themes", status: .conflict, title: "The survey has no themes",
                detail: "Survey \(survey.id) has no themes yet, and a REFI-QDA codebook needs at least one code.")
        }
        return try await AnalystController.download(
            ExportDownload(.analysis, .qdc), of: survey, by: principal, consultation: consultation, context: context)
    }

    /// Adds the themes of the `.qdc` file in the body to the survey: all or, on any problem, none.
    @Sendable func importCodebook(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        var request = request
        let body = Data(buffer: try await request.limitedBody())
        let result = try await Self.importCodebook(body, into: survey, by: principal, consultation: consultation)
        return json(.object([
            "survey_id": .string(survey.id.rawValue),
            "created": .number(Double(result.created)),
            "renamed_guids": .object(result.renamedGUIDs.mapValues { .string($0) }),
        ]), status: .created)
    }

    /// Reads and stores a codebook; a file that is not one is a 400 (not well-formed) or 422 problem.
    static func importCodebook(
        _ body: Data, into survey: Survey, by principal: Principal, consultation: Consultation
    ) async throws -> CodebookImportResult {
        let themes: [CodebookTheme]
        do {
            themes = try REFIQDACodebook.read(body)
        } catch let error as CodebookFileError {
            var problem = error.kind == .malformed
                ? Problem("malformed-codebook", status: .badRequest, title: "The codebook is not well-formed XML",
                    detail: "Nothing was imported: " + error.description + ".")
                : Problem("invalid-codebook", status: .unprocessableContent, title: "The file is not a codebook consult can import",
                    detail: "Nothing was imported: " + error.description + ".")
            problem.extensions["file_errors"] = .array(error.problems.map { .string($0) })
            throw problem
        }
        guard !themes.isEmpty else { throw Problem.badRequest("The codebook has no codes; nothing was imported.") }
        return try await consultation.storing {
            try await consultation.database.codebookImporter.importThemes(
                themes, into: survey.id, by: principal.actor, at: consultation.clock.now())
        }
    }
}
