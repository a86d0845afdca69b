// refiqda: the REFI-QDA project export (.qdpx).
import ConsultCore
import ConsultStore
import Foundation

/// A survey as a REFI-QDA project (QDA-XML 1.0, `Project.xsd`) for NVivo, ATLAS.ti and MAXQDA:
/// a ZIP of `project.qde` and `Sources/<guid>.txt`. The mapping is documented in Exports/README.md:
///
/// - one `Case` per respondent (named by the pseudonymous respondent id) with the Variables sector,
///   country, M49 region, publication choice and level, and the same values on its source too,
///   since not every importer reads case attributes;
/// - one `TextSource` per respondent with every free text the publication rule lets out, each under
///   a labelled header line, line endings made LF (CR LF and CR count as one or two characters in
///   different tools; LF counts as one everywhere, so positions mean the same in all of them);
/// - themes as `Code`s (retired ones not codable), coders as `User`s, codings in force as
///   `PlainTextSelection`s with a `Coding` (positions in Unicode scalars of the source file).
///
/// Left out and counted in the project's `Description`: codings on texts that do not leave
/// (confidential respondents, withheld personal answers) and codings made on an earlier text.
public struct REFIQDAProject: Sendable {
    public let survey: Survey
    let database: any ConsultStorage
    let generatedAt: Date

    public init(survey: Survey, database: any ConsultStorage, generatedAt: Date) {
        self.survey = survey
        self.database = database
        self.generatedAt = generatedAt
    }

    /// The Variables every case and source carries: (name, value of a respondent).
    static let variables: [(name: String, value: @Sendable (CodedRespondent) -> String?)] = [
        ("sector", { $0.finalSector }),
        ("country", { $0.country }),
        ("m49_region", { $0.country.flatMap(CountryTable.country)?.m49Region }),
        ("publication", { $0.publication.rawValue }),
        ("level", { $0.level }),
    ]

    /// What was left out of a project, for its description.
    struct Omissions {
        var confidential = 0
        var personal = 0
        var earlierText = 0
        var outsideText = 0
    }

    /// Writes the archive at `archive`, using `scratch` (an existing private folder) for project.qde.
    /// Blocks: run it off Swift's cooperative threads.
    public func write(to archive: URL, scratch: URL) throws {
        let qde = scratch.appendingPathComponent("project.qde")
        let zip = try StreamingZipWriter(path: archive.path, modified: generatedAt)
        try database.codedTexts.read(survey: survey.id) { snapshot in
            let output = try BufferedOutput(path: qde.path)
            let writer = try XMLStreamWriter(output: output)
            try writer.startDocument()
            try writer.startElement("Project")
            try writer.attribute("xmlns", "urn:QDA-XML:project:1.0")
            try writer.attribute("name", survey.title)
            try writer.attribute("origin", "consult")
            try writer.attribute("creationDateTime", Instant.utcText(generatedAt))

            let coders = try snapshot.coders()
            if !coders.isEmpty {
                try writer.startElement("Users")
                for coder in coders {
                    try writer.startElement("User")
                    try writer.attribute("guid", Self.userGUID(coder.id))
                    try writer.attribute("name", coder.name)
                    try writer.attribute("id", "\(coder.id)")
                    try writer.endElement()
                }
                try writer.endElement()
            }
            let themes = try snapshot.themes()
            if !themes.isEmpty {
                try writer.startElement("CodeBook")
                try REFIQDACodebook.writeCodes(themes, with: writer)
                try writer.endElement()
            }
            try writer.startElement("Variables")
            for (index, variable) in Self.variables.enumerated() {
                try writer.startElement("Variable")
                try writer.attribute("guid", Self.variableGUID(index))
                try writer.attribute("name", variable.name)
                try writer.attribute("typeOfVariable", "Text")
                try writer.endElement()
            }
            try writer.endElement()

            var started = false
            try snapshot.forEachRespondent { respondent in
                if !started { try writer.startElement("Cases"); started = true }
                let pseudonym = database.pseudonyms.pseudonym(for: respondent.submissionID)
                try writer.startElement("Case")
                try writer.attribute("guid", Self.caseGUID(pseudonym))
                try writer.attribute("name", pseudonym)
                try writeVariableValues(respondent, with: writer)
                if !sections(of: respondent).isEmpty {
                    try writer.startElement("SourceRef")
                    try writer.attribute("targetGUID", Self.sourceGUID(pseudonym))
                    try writer.endElement()
                }
                try writer.endElement()
            }
            if started { try writer.endElement() }

            started = false
            var omissions = Omissions()
            try snapshot.forEachRespondent { respondent in
                let pseudonym = database.pseudonyms.pseudonym(for: respondent.submissionID)
                let sections = sections(of: respondent)
                let placed = Self.compose(sections)
                for coding in respondent.codings where placed.starts[coding.field] == nil {
                    if respondent.publication == .confidential {
                        omissions.confidential += 1
                    } else if coding.onEarlierText {
                        omissions.earlierText += 1
                    } else {
                        omissions.personal += 1
                    }
                }
                guard !sections.isEmpty else { return }
                if !started { try writer.startElement("Sources"); started = true }
                let guid = Self.sourceGUID(pseudonym)
                try zip.add(name: "Sources/\(guid).txt", data: Data(placed.text.utf8))
                try writer.startElement("TextSource")
                try writer.attribute("guid", guid)
                try writer.attribute("name", pseudonym)
                try writer.attribute("plainTextPath", "internal://\(guid).txt")
                try writer.attribute("creationDateTime", Instant.utcText(respondent.receivedAt))
                for coding in respondent.codings {
                    guard let start = placed.starts[coding.field], let text = respondent.texts[coding.field] else { continue }
                    if coding.onEarlierText { omissions.earlierText += 1; continue }
                    let scalars = Array(text.unicodeScalars)
                    let span = coding.span ?? 0..<scalars.count
                    guard span.upperBound <= scalars.count else { omissions.outsideText += 1; continue }
                    let user = Self.userGUID(coding.coderID)
                    try writer.startElement("PlainTextSelection")
                    try writer.attribute("guid", Self.selectionGUID(coding.guid))
                    try writer.attribute("name", Self.label(of: coding.field))
                    try writer.attribute("startPosition", "\(start + LineEndings.offset(span.lowerBound, in: scalars))")
                    try writer.attribute("endPosition", "\(start + LineEndings.offset(span.upperBound, in: scalars))")
                    try writer.attribute("creatingUser", user)
                    try writer.attribute("creationDateTime", Instant.utcText(coding.codedAt))
                    try writer.startElement("Coding")
                    try writer.attribute("guid", QDAGUID.normalised(coding.guid))
                    try writer.attribute("creatingUser", user)
                    try writer.attribute("creationDateTime", Instant.utcText(coding.codedAt))
                    try writer.startElement("CodeRef")
                    try writer.attribute("targetGUID", QDAGUID.normalised(coding.themeGUID))
                    try writer.endElement()
                    try writer.endElement()
                    try writer.endElement()
                }
                try writeVariableValues(respondent, with: writer)
                try writer.endElement()
            }
            if started { try writer.endElement() }
            try writer.element("Description", text: description(omissions))
            try writer.endDocument()
            try output.close()
        }
        try zip.add(name: "project.qde", file: qde)
        try zip.finish()
    }

    private func writeVariableValues(_ respondent: CodedRespondent, with writer: XMLStreamWriter) throws {
        for (index, variable) in Self.variables.enumerated() {
            guard let value = variable.value(respondent) else { continue }
            try writer.startElement("VariableValue")
            try writer.startElement("VariableRef")
            try writer.attribute("targetGUID", Self.variableGUID(index))
            try writer.endElement()
            try writer.element("TextValue", text: value)
            try writer.endElement()
        }
    }

    /// The texts of a respondent that may leave, in survey order, each with its header line.
    func sections(of respondent: CodedRespondent) -> [(field: OpenTextField, header: String, text: String)] {
        var sections: [(field: OpenTextField, header: String, text: String)] = []
        for question in survey.questions {
            for kind in [OpenTextField.Kind.answer, .other] {
                let field = OpenTextField(question: question.id, kind: kind)
                guard let text = respondent.texts[field], respondent.publication.disclosesText(of: question) else { continue }
                let suffix = kind == .other ? " (other, please specify)" : ""
                sections.append((field, "[\(question.id.rawValue)\(suffix)] \(question.text)", text))
            }
        }
        if let text = respondent.texts[.otherSector], respondent.publication.disclosesOtherSectorText {
            sections.append((.otherSector, "[sector] Other sector", text))
        }
        return sections
    }

    /// The source text (header line, text, blank line per section, LF line endings) and where
    /// each section's text starts, in Unicode scalars.
    static func compose(_ sections: [(field: OpenTextField, header: String, text: String)]) -> (text: String, starts: [OpenTextField: Int]) {
        var text = String.UnicodeScalarView()
        var starts: [OpenTextField: Int] = [:]
        var count = 0
        func append(_ part: String) {
            let normalised = LineEndings.normalised(part)
            text.append(contentsOf: normalised.unicodeScalars)
            count += normalised.unicodeScalars.count
        }
        for section in sections {
            append(section.header + "\n")
            starts[section.field] = count
            append(section.text)
            append("\n\n")
        }
        return (String(text), starts)
    }

    static func label(of field: OpenTextField) -> String {
        switch field.kind {
        case .answer: field.storedQuestion
        case .other: "\(field.storedQuestion) (other)"
        case .sector: "sector (other)"
        }
    }

    private func description(_ omissions: Omissions) -> String {
        "Survey \(survey.id.rawValue), exported by consult at \(Instant.utcText(generatedAt)). One case and one text source "
            + "per respondent (named by the pseudonymous respondent id); positions count Unicode characters of the "
            + "source files, whose line endings are LF. Not included: \(omissions.confidential) codings on texts of "
            + "confidential respondents (they count in the analysis tables), \(omissions.personal) codings on personal "
            + "answers withheld by the publication rule, \(omissions.earlierText) codings made on an earlier text of an "
            + "answer since edited, \(omissions.outsideText) codings outside their text."
    }

    static func userGUID(_ id: Int64) -> String { QDAGUID.made(tag: "05E4", from: String(id, radix: 16)) }
    static func variableGUID(_ index: Int) -> String { QDAGUID.made(tag: "FA41", from: String(index + 1, radix: 16)) }
    static func caseGUID(_ pseudonym: String) -> String { QDAGUID.made(tag: "CA5E", from: String(pseudonym.dropFirst(2))) }
    static func sourceGUID(_ pseudonym: String) -> String { QDAGUID.made(tag: "5005", from: String(pseudonym.dropFirst(2))) }
    /// The selection of a coding: its own GUID, derived from the coding's (one selection per coding).
    static func selectionGUID(_ coding: String) -> String {
        let hex = QDAGUID.normalised(coding).replacingOccurrences(of: "-", with: "")
        return QDAGUID.made(tag: "5E1E", from: String(hex.suffix(28)))
    }
}

/// Line endings as the project's sources have them: CR LF and lone CR become LF.
enum LineEndings {
    static func normalised(_ text: String) -> String {
        guard text.unicodeScalars.contains("\r") else { return text }
        var result = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = scalar == "\r"
            result.append(previousCR ? "\n" : scalar)
        }
        return String(result)
    }

    /// Where `offset` (in Unicode scalars of `scalars`) falls once the line endings are normalised:
    /// each LF of a CR LF before it is dropped.
    static func offset(_ offset: Int, in scalars: [Unicode.Scalar]) -> Int {
        var dropped = 0
        var index = 1
        while index < offset {
            if scalars[index] == "\n" && scalars[index - 1] == "\r" { dropped += 1 }
            index += 1
        }
        return offset - dropped
    }
}
