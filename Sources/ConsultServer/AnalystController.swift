import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird
import NIOCore

/// Analysts' (and organizers') exports and headline figures.
///
/// Each export is written to a private temporary folder by the same streaming writers as
/// `consult export`, unlinked as soon as it is open, then streamed to the client in 1 MiB
/// chunks, so memory stays flat whatever the survey's size and nothing stays on disk.
/// Every download is recorded in the audit log.
struct AnalystController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/stats", use: stats)
        router.get("/api/v1/surveys/{survey_id}/analysis.xml", use: analysisXML)
        router.get("/api/v1/surveys/{survey_id}/analysis.zip", use: analysisZIP)
        router.get("/api/v1/surveys/{survey_id}/analysis/{table_file}", use: analysisTable)
        router.get("/api/v1/surveys/{survey_id}/responses.csv", use: responsesCSV)
        router.get("/api/v1/surveys/{survey_id}/responses.xml", use: responsesXML)
        // XLSX workbooks (issue 17).
        router.get("/api/v1/surveys/{survey_id}/analysis.xlsx", use: analysisXLSX)
        router.get("/api/v1/surveys/{survey_id}/responses.xlsx", use: responsesXLSX)
        // SPSS and Stata (issue #17).
        router.get("/api/v1/surveys/{survey_id}/responses.sav", use: responsesSAV)
        router.get("/api/v1/surveys/{survey_id}/responses.dta", use: responsesDTA)
        // Position papers (extract): respondents' files with a manifest.
        router.get("/api/v1/surveys/{survey_id}/attachments.zip", use: attachmentsZIP)
    }

    @Sendable func stats(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        _ = try await consultation.require([.analyst, .organizer], for: request)
        let database = consultation.database
        let (window, bySector, refused, drafts) = try await consultation.storing {
            (try await database.window(of: survey), try await database.respondentsBySector(survey: survey.id),
             try await database.refusedAttempts(survey: survey.id), try await database.openDraftCount(survey: survey.id))
        }
        let sectors = survey.sectors.map(\.id.rawValue) + [RespondentProfile.unclassified.rawValue]
        return json(.object([
            "survey_id": .string(survey.id.rawValue),
            "status": .string(window.status(at: consultation.clock.now()).rawValue),
            "closes_at": .string(Instant.utcText(window.closesAt)),
            "submissions": .number(Double(bySector.values.reduce(0, +))),
            "by_sector": .object(Dictionary(uniqueKeysWithValues: sectors.map { ($0, .number(Double(bySector[$0] ?? 0))) })),
            "refused_late": .number(Double(refused["deadline-passed"] ?? 0)),
            "refused_early": .number(Double(refused["not-yet-open"] ?? 0)),
            "open_drafts": .number(Double(drafts)),
        ]))
    }

    @Sendable func analysisXML(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.analysis, .xml))
    }

    @Sendable func analysisZIP(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.analysis, .zip))
    }

    @Sendable func analysisTable(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let file = context.parameters.get("table_file") ?? ""
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let table = file.hasSuffix(".csv") ? String(file.dropLast(4)) : ""
        guard SurveyAnalysis.tables(of: survey).contains(where: { $0.name == table }) else {
            throw Problem.notFound("There is no table \"\(file)\"; the tables are "
                + SurveyAnalysis.tables(of: survey).map { "\($0.name).csv" }.joined(separator: ", ") + ".")
        }
        return try await export(request, context, ExportDownload(.analysis, .csv, table: table))
    }

    @Sendable func responsesCSV(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .csv))
    }

    @Sendable func responsesXML(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .xml))
    }

    @Sendable func analysisXLSX(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.analysis, .xlsx))
    }

    @Sendable func responsesXLSX(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .xlsx))
    }

    // SPSS and Stata (issue #17).
    @Sendable func responsesSAV(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .sav))
    }

    @Sendable func responsesDTA(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .dta))
    }

    // Position papers (extract).
    @Sendable func attachmentsZIP(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, ExportDownload(.raw, .attachments))
    }

    /// Checks the analyst's token, then streams the export.
    private func export(_ request: Request, _ context: ConsultRequestContext, _ export: ExportDownload) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let principal = try await consultation.require([.analyst, .organizer], for: request)
        return try await Self.download(
            export, of: survey, by: principal, consultation: consultation, context: context,
            csv: export.format == .xml || export.format == .xlsx ? CSVOptions() : try csvOptions(request))
    }

    /// Streams an export, written through a file that is already unlinked, and records the download
    /// in the audit log. A `HEAD` gets the headers without the export being produced.
    static func download(
        _ export: ExportDownload, of survey: Survey, by principal: Principal, consultation: Consultation,
        context: ConsultRequestContext, csv options: CSVOptions = CSVOptions()
    ) async throws -> Response {
        var headers = HTTPFields.notStored
        headers[.contentType] = export.mediaType
        headers[.contentDisposition] = "attachment; filename=\"\(survey.id)-\(export.fileName)\""
        guard !context.answersHEAD else { return Response(status: .ok, headers: headers) }
        let exporter = Exporter(database: consultation.database, clock: { consultation.clock.now() })
        let file = try await Problem.refusingOversizedXLSX {
            try await UnlinkedExportFile.write(in: consultation.exportFolder) { folder in
                try await exporter.export(
                    survey, content: export.content, format: export.format, into: folder, csv: options,
                    tables: export.table.map { [$0] })
            }
        }
        try await consultation.storing {
            try await consultation.database.recordExportDownload(
                of: survey.id.rawValue, export: export.auditName, by: principal.actor, at: consultation.clock.now())
        }
        return Response(status: .ok, headers: headers, body: file.responseBody)
    }

    /// `?bom=true` adds the UTF-8 byte-order mark; `?line_ending=lf` ends lines with LF instead of CRLF.
    private func csvOptions(_ request: Request) throws -> CSVOptions {
        let query = request.uri.queryParameters
        var options = CSVOptions()
        if let bom = query.get("bom") {
            guard let value = Bool(bom) else { throw Problem.badRequest("bom must be true or false.") }
            options.byteOrderMark = value
        }
        if let ending = query.get("line_ending") {
            guard let value = CSVOptions.LineEnding(rawValue: ending) else {
                throw Problem.badRequest("line_ending must be crlf or lf.")
            }
            options.lineEnding = value
        }
        return options
    }
}
