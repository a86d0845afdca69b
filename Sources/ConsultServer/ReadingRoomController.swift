import ConsultCore
import ConsultExport
import ConsultStore
import Foundation
import Hummingbird

/// The reading room's API (themes part): the codebook of themes, single codings, one
/// respondent's whole submission, and agreement between coders. Analysts and organizers only;
/// every change is audited with the token's holder, and codings record the token as coder.
struct ReadingRoomController {
    let consultation: Consultation

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/api/v1/surveys/{survey_id}/themes", use: listThemes)
        router.post("/api/v1/surveys/{survey_id}/themes", use: createTheme)
        router.patch("/api/v1/surveys/{survey_id}/themes/{theme_id}", use: changeTheme)
        router.post("/api/v1/surveys/{survey_id}/themes/{theme_id}/merge", use: mergeTheme)
        router.post("/api/v1/surveys/{survey_id}/themes/{theme_id}/retire", use: retireTheme)
        router.post("/api/v1/surveys/{survey_id}/codings", use: code)
        router.delete("/api/v1/surveys/{survey_id}/codings/{coding_id}", use: removeCoding)
        router.get("/api/v1/surveys/{survey_id}/respondents/{respondent}", use: respondent)
        router.get("/api/v1/surveys/{survey_id}/agreement", use: agreement)
        router.get("/api/v1/surveys/{survey_id}/agreement.csv", use: agreementCSV)
    }

    private func staff(_ request: Request, _ context: ConsultRequestContext) async throws -> (Survey, Principal) {
        let survey = try consultation.survey(pathID(context, "survey_id"))
        return (survey, try await consultation.require([.analyst, .organizer], for: request))
    }

    // MARK: Themes

    @Sendable func listThemes(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let themes = try await consultation.storing { try await consultation.database.themeBook.themes(of: survey.id.rawValue) }
        return json(.object(["survey_id": .string(survey.id.rawValue), "themes": .array(themes.map(Self.themeJSON))]))
    }

    @Sendable func createTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        var request = request
        let (members, _) = try await request.jsonObject()
        let fields = try Self.themeFields(members, creating: true)
        let theme = try await consultation.storing {
            try await consultation.database.themeBook.create(
                fields, in: survey.id.rawValue, actor: principal.actor, at: consultation.clock.now())
        }
        return json(Self.themeJSON(theme), status: .created, headers: [.location: "/api/v1/surveys/\(survey.id)/themes/\(theme.id)"])
    }

    @Sendable func changeTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        let id = try Self.numericID(context, "theme_id")
        var request = request
        let (members, _) = try await request.jsonObject()
        let fields = try Self.themeFields(members, creating: false)
        let theme = try await consultation.storing {
            try await consultation.database.themeBook.change(
                id, in: survey.id.rawValue, to: fields, actor: principal.actor, at: consultation.clock.now())
        }
        return json(Self.themeJSON(theme))
    }

    @Sendable func mergeTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        let id = try Self.numericID(context, "theme_id")
        var request = request
        let (members, _) = try await request.jsonObject()
        try Self.onlyMembers(members, ["into"])
        guard let into = members["into"].flatMap(Self.integer) else {
            throw Problem.badRequest("The body is {\"into\": theme_id}: the theme that takes this one's codings.")
        }
        let result = try await consultation.storing {
            try await consultation.database.themeBook.merge(
                id, into: into, in: survey.id.rawValue, by: principal.tokenID, actor: principal.actor, at: consultation.clock.now())
        }
        return json(.object([
            "target": Self.themeJSON(result.target), "moved": .number(Double(result.moved)),
            "duplicates_removed": .number(Double(result.dropped)),
        ]))
    }

    @Sendable func retireTheme(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        let id = try Self.numericID(context, "theme_id")
        let theme = try await consultation.storing {
            try await consultation.database.themeBook.retire(
                id, in: survey.id.rawValue, actor: principal.actor, at: consultation.clock.now())
        }
        return json(Self.themeJSON(theme))
    }

    // MARK: Codings

    @Sendable func code(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        var request = request
        let (members, _) = try await request.jsonObject()
        try Self.onlyMembers(members, ["respondent", "question", "kind", "theme_id", "start", "end"])
        guard let respondent = members["respondent"]?.text, let question = members["question"]?.text,
            let kind = members["kind"]?.text, let theme = members["theme_id"].flatMap(Self.integer)
        else {
            throw Problem.badRequest(
                "The body is {\"respondent\", \"question\", \"kind\", \"theme_id\", \"start\"?, \"end\"?}; "
                    + "respondent, question and kind are strings, theme_id an integer.")
        }
        let start = try members["start"].map { try Self.offset($0, "start") } ?? nil
        let end = try members["end"].map { try Self.offset($0, "end") } ?? nil
        let coding = try await Self.code(
            respondent: respondent, question: question, kind: kind, theme: theme, start: start, end: end,
            survey: survey, principal: principal, consultation: consultation)
        return json(coding.json, status: .created)
    }

    /// Checks a coding against the current text and stores it: shared by the API and the page.
    static func code(
        respondent: String, question: String, kind: String, theme: Int64, start: Int?, end: Int?, survey: Survey,
        principal: Principal, consultation: Consultation
    ) async throws -> (coding: Coding, json: JSONValue, words: String) {
        let reading = try await RespondentReading.load(respondent, survey: survey, consultation: consultation)
        guard let field = OpenTextField(storedQuestion: question, kind: kind) else {
            throw Problem.invalidField("question", "There is no free text \"\(question)\" of kind \"\(kind)\"; kind is answer, other or sector ('' question).")
        }
        guard reading.shows(field), let text = reading.currentTexts[field] else {
            throw Problem.invalidField("question", "Respondent \(respondent) has no free text \(question)/\(kind) in their current version.")
        }
        var span: TextSpan?
        switch (start, end) {
        case (nil, nil): span = nil
        case (let start?, let end?):
            guard let checked = TextSpan(start: start, end: end, in: text) else {
                throw Problem.invalidField(
                    "start", "The span [\(start), \(end)) is not inside the text, which has \(text.unicodeScalars.count) "
                        + "characters (Unicode scalars); start must be below end.")
            }
            span = checked
        default:
            throw Problem.invalidField("start", "Give both start and end for a span, or neither for the whole text.")
        }
        let version = reading.file.version
        let coding = try await consultation.storing {
            try await consultation.database.codingLedger.code(
                field, of: reading.file.seq, version: version, span: span, theme: theme, in: survey.id.rawValue,
                coder: principal.tokenID, actor: principal.actor, at: consultation.clock.now())
        }
        let words = span?.words(of: text) ?? text
        return (coding, reading.codingJSON(coding), words)
    }

    @Sendable func removeCoding(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, principal) = try await staff(request, context)
        let id = try Self.numericID(context, "coding_id")
        let coding = try await consultation.storing {
            try await consultation.database.codingLedger.remove(
                id, in: survey.id.rawValue, by: principal.tokenID, actor: principal.actor, at: consultation.clock.now())
        }
        return json(.object([
            "id": .number(Double(coding.id)), "removed_at": coding.removedAt.map { .string(Instant.utcText($0)) } ?? .null,
        ]))
    }

    // MARK: Respondent

    @Sendable func respondent(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let versions = request.uri.queryParameters.get("versions")
        guard versions == nil || versions == "all" || versions == "latest" else {
            throw Problem.badRequest("versions must be all or latest.")
        }
        let reading = try await RespondentReading.load(try pathID(context, "respondent"), survey: survey, consultation: consultation)
        // Position papers (extract): the submission's files the analyst may open.
        guard case .object(var members) = reading.json(allVersions: versions == "all") else {
            return json(reading.json(allVersions: versions == "all"))
        }
        let files = try await AttachmentController.files(of: reading.file.respondent, survey: survey, consultation: consultation)
        members["files"] = .array(files.files.map {
            AttachmentController.fileJSON($0, survey: survey, respondent: reading.file.respondent)
        })
        return json(.object(members))
    }

    // MARK: Agreement

    @Sendable func agreement(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let table = try await AgreementTable.load(survey, consultation: consultation)
        return json(table.json)
    }

    @Sendable func agreementCSV(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        let (survey, _) = try await staff(request, context)
        let table = try await AgreementTable.load(survey, consultation: consultation)
        var headers = HTTPFields.notStored
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(survey.id)-agreement.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: table.csv)))
    }

    // MARK: Input

    static func themeJSON(_ theme: Theme) -> JSONValue {
        .object([
            "id": .number(Double(theme.id)), "guid": .string(theme.guid),
            "parent_id": theme.parentID.map { .number(Double($0)) } ?? .null, "depth": .number(Double(theme.depth)),
            "name": .string(theme.name), "description": .string(theme.description), "colour": .string(theme.colour),
            "created_at": .string(Instant.utcText(theme.createdAt)),
            "retired_at": theme.retiredAt.map { .string(Instant.utcText($0)) } ?? .null,
            "merged_into": theme.mergedInto.map { .number(Double($0)) } ?? .null,
            "active": .bool(theme.isActive), "codings": .number(Double(theme.codings)),
        ])
    }

    static func themeFields(_ members: [String: JSONValue], creating: Bool) throws -> ThemeFields {
        try onlyMembers(members, ["name", "description", "colour", "parent_id"])
        var fields = ThemeFields()
        for (key, value) in members {
            switch (key, value) {
            case ("name", .string(let text)): fields.name = text
            case ("description", .string(let text)): fields.description = text
            case ("colour", .string(let text)): fields.colour = text
            case ("parent_id", .null): fields.parentID = .some(nil)
            case ("parent_id", let value):
                guard let id = integer(value) else { throw Problem.badRequest("parent_id is a theme id (integer) or null.") }
                fields.parentID = .some(id)
            default: throw Problem.badRequest("\(key) must be a string.")
            }
        }
        if creating, fields.name == nil || fields.colour == nil {
            throw Problem.badRequest("A new theme needs a name and a colour (#RRGGBB); description and parent_id are optional.")
        }
        return fields
    }

    static func onlyMembers(_ members: [String: JSONValue], _ allowed: Set<String>) throws {
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the members are \(allowed.sorted().joined(separator: ", ")).")
        }
    }

    static func integer(_ value: JSONValue) -> Int64? {
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 9e15 else { return nil }
        return Int64(number)
    }

    static func offset(_ value: JSONValue, _ name: String) throws -> Int? {
        if value == .null { return nil }
        guard let number = integer(value), number >= 0, number < Int64(Int32.max) else {
            throw Problem.invalidField(name, "\(name) is a non-negative integer: a position in Unicode scalars.")
        }
        return Int(number)
    }

    static func numericID(_ context: ConsultRequestContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), (1...18).contains(text.utf8.count),
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let id = Int64(text)
        else { throw Problem.notFound("There is no such \(name.replacingOccurrences(of: "_", with: " ")).") }
        return id
    }
}

/// Agreement per theme among the coders of a survey (see ``ThemeAgreement``), as JSON and CSV.
struct AgreementTable {
    struct Row {
        let theme: Theme
        let agreement: ThemeAgreement
    }

    let survey: Survey
    let rows: [Row]
    let units: Int
    let coders: Int

    static func load(_ survey: Survey, consultation: Consultation) async throws -> AgreementTable {
        let database = consultation.database
        let (themes, codings) = try await consultation.storing {
            (try await database.themeBook.themes(of: survey.id.rawValue),
             try await database.codingLedger.codingsInForce(of: survey.id.rawValue))
        }
        // Merged themes' codings were moved to their targets: they have no rows of their own.
        let kept = themes.filter { $0.mergedInto == nil }
        let table = ThemeAgreement.perTheme(codings.map { (unit: $0.text, coder: $0.coder, theme: $0.theme) }, themes: kept.map(\.id))
        return AgreementTable(
            survey: survey, rows: kept.compactMap { theme in table[theme.id].map { Row(theme: theme, agreement: $0) } },
            units: Set(codings.map { $0.text }).count, coders: Set(codings.map { $0.coder }).count)
    }

    private static func number(_ value: Double?) -> JSONValue { value.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null }

    var json: JSONValue {
        .object([
            "survey_id": .string(survey.id.rawValue), "coded_texts": .number(Double(units)), "coders": .number(Double(coders)),
            "themes": .array(rows.map { row in
                .object([
                    "theme_id": .number(Double(row.theme.id)), "theme": .string(row.theme.name),
                    "retired": .bool(row.theme.retiredAt != nil), "overlap": .number(Double(row.agreement.overlap)),
                    "coders": .number(Double(row.agreement.coders)), "kappa": Self.number(row.agreement.kappa),
                    "alpha": Self.number(row.agreement.alpha),
                ])
            }),
        ])
    }

    /// One line per theme; kappa or alpha empty where undefined.
    var csv: String {
        func field(_ text: String) -> String {
            let safe = CSVWriter.neutralised(text)
            return safe.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
        }
        func decimal(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        var lines = ["theme_id,theme,retired,overlap,coders,kappa,alpha"]
        for row in rows {
            lines.append([
                String(row.theme.id), field(row.theme.name), row.theme.retiredAt == nil ? "false" : "true",
                String(row.agreement.overlap), String(row.agreement.coders), decimal(row.agreement.kappa),
                decimal(row.agreement.alpha),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
