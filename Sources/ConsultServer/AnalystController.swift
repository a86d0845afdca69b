import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird
import NIOCore

/// Analysts' (and organizers') exports and headline figures.
///
/// Each export is written to a temporary folder by the same streaming writers as
/// `consult export`, then streamed to the client in 1 MiB chunks and deleted, so memory
/// stays flat whatever the survey's size.
struct AnalystController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/stats", use: stats)
        router.get("/api/v1/surveys/{survey_id}/analysis.xml", use: analysisXML)
        router.get("/api/v1/surveys/{survey_id}/analysis.zip", use: analysisZIP)
        router.get("/api/v1/surveys/{survey_id}/analysis/{table_file}", use: analysisTable)
        router.get("/api/v1/surveys/{survey_id}/responses.csv", use: responsesCSV)
        router.get("/api/v1/surveys/{survey_id}/responses.xml", use: responsesXML)
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
        try await export(request, context, content: .analysis, format: .xml, type: "application/xml")
    }

    @Sendable func analysisZIP(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, content: .analysis, format: .zip, type: "application/zip")
    }

    @Sendable func analysisTable(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let file = context.parameters.get("table_file") ?? ""
        let survey = try consultation.survey(pathID(context, "survey_id"))
        let table = file.hasSuffix(".csv") ? String(file.dropLast(4)) : ""
        guard SurveyAnalysis.tables(of: survey).contains(where: { $0.name == table }) else {
            throw Problem.notFound("There is no table \"\(file)\"; the tables are "
                + SurveyAnalysis.tables(of: survey).map { "\($0.name).csv" }.joined(separator: ", ") + ".")
        }
        return try await export(request, context, content: .analysis, format: .csv, type: "text/csv; charset=utf-8", tables: [table])
    }

    @Sendable func responsesCSV(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, content: .raw, format: .csv, type: "text/csv; charset=utf-8")
    }

    @Sendable func responsesXML(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        try await export(request, context, content: .raw, format: .xml, type: "application/xml")
    }

    /// Checks the analyst's token, then streams the export.
    private func export(
        _ request: Request, _ context: ConsultRequestContext, content: ExportContent, format: ExportFormat, type: String,
        tables: Set<String>? = nil
    ) async throws -> Response {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        _ = try await consultation.require([.analyst, .organizer], for: request)
        return try await Self.download(
            survey, consultation: consultation, content: content, format: format, type: type,
            csv: format == .xml ? CSVOptions() : try csvOptions(request), tables: tables)
    }

    /// Writes the export to a temporary folder and streams its one file back, deleting it afterwards.
    static func download(
        _ survey: Survey, consultation: Consultation, content: ExportContent, format: ExportFormat, type: String,
        csv options: CSVOptions = CSVOptions(), tables: Set<String>? = nil
    ) async throws -> Response {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consult-export-\(Secret.newID())")
        let files: [URL]
        do {
            files = try await Exporter(database: consultation.database, clock: { consultation.clock.now() }).export(
                survey, content: content, format: format, into: folder, csv: options, tables: tables)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        guard let file = files.first else {
            try? FileManager.default.removeItem(at: folder)
            throw Problem.notFound("The export produced no file.")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        var headers: HTTPFields = [.contentType: type]
        headers[.contentDisposition] = "attachment; filename=\"\(survey.id)-\(file.lastPathComponent)\""
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: size) { writer in
            defer { try? FileManager.default.removeItem(at: folder) }
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(data: chunk))
            }
            try await writer.finish(nil)
        })
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
