import Foundation

/// Turns a definition tree into a ``Survey``, checking everything the format
/// demands: known keys, types, unique ids, deadlines, sector and publication
/// roles, `show_if` order, scoring bands. It reports every problem it finds,
/// not only the first.
public struct SurveyDecoder {
    var reader = DefinitionReader()
    /// Ids of every question in the file with where each was written, to tell
    /// "defined later" from "missing" in a `show_if`.
    var questionIDsInFile: [QuestionID: SourceLocation] = [:]
    /// The questions decoded so far, in order: what a `show_if` may point to.
    var earlierQuestions: [QuestionID: Question] = [:]
    /// Questions already met whose own problems were reported: a reference to one is not a new problem.
    var brokenQuestions: Set<QuestionID> = []
    var roles = DeclaredRoles()
    var sectors: [Sector] = []

    /// Decodes `root`, read from `file`, or throws every problem that prevents it, ordered by place in the file.
    public static func decode(_ root: DefinitionNode, file: String) throws(SurveyDefinitionError) -> Survey {
        var decoder = SurveyDecoder()
        let survey = decoder.survey(from: root)
        let problems = decoder.reader.problems.enumerated()
            .sorted { (Self.sortKey($0.element), $0.offset) < (Self.sortKey($1.element), $1.offset) }
            .map(\.element)
        guard let survey, problems.isEmpty else {
            throw SurveyDefinitionError(file: file, problems: problems)
        }
        return survey
    }

    private static func sortKey(_ problem: DefinitionProblem) -> SourceLocation {
        problem.location ?? SourceLocation(line: 0, column: 0)
    }

    static let surveyKeys = [
        "id", "title", "description", "language", "time_zone", "opens_at", "closes_at",
        "respondent", "sectors", "sections", "scoring", "campaigns",
    ]

    mutating func survey(from root: DefinitionNode) -> Survey? {
        guard let fields = reader.fields(
            of: root, at: .root, allowed: Self.surveyKeys,
            required: ["id", "title", "language", "time_zone", "opens_at", "closes_at", "respondent", "sectors", "sections"])
        else { return nil }

        let id: SurveyID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
        let title = fields["title"].flatMap { reader.text($0, at: fields.path("title")) }
        let description = fields["description"].flatMap { reader.text($0, at: fields.path("description")) }
        let language = fields["language"].flatMap { languageTag($0, at: fields.path("language")) }
        let timeZone = fields["time_zone"].flatMap { zone($0, at: fields.path("time_zone")) }
        let window = self.window(fields)
        if let node = fields["respondent"] { roles = declaredRoles(node, at: fields.path("respondent")) }
        if let node = fields["sectors"] { sectors = decodeSectors(node, at: fields.path("sectors")) ?? [] }
        questionIDsInFile = Self.questionIDs(in: fields["sections"])
        let sections = fields["sections"].flatMap { decodeSections($0, at: fields.path("sections")) }
        let respondent = checkedRoles()
        let scoring = fields["scoring"].flatMap { decodeScoring($0, at: fields.path("scoring")) }
        let campaigns = fields["campaigns"].map { decodeCampaigns($0, at: fields.path("campaigns")) }

        guard let id, let title, let language, let timeZone, let window, let respondent, let sections,
            !sectors.isEmpty
        else { return nil }
        return Survey(
            id: id, title: title, description: description, language: language, timeZone: timeZone,
            window: window, respondent: respondent, sectors: sectors, sections: sections, scoring: scoring,
            campaigns: (campaigns ?? nil) ?? .standard)
    }

    // MARK: Language, zone and window

    mutating func languageTag(_ node: DefinitionNode, at path: FieldPath) -> String? {
        guard let text = reader.text(node, at: path) else { return nil }
        guard text.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/) != nil else {
            reader.report("\"\(text)\" is not a BCP 47 language tag such as en or en-GB", at: node.location, path: path)
            return nil
        }
        return text
    }

    mutating func zone(_ node: DefinitionNode, at path: FieldPath) -> TimeZone? {
        guard let text = reader.text(node, at: path) else { return nil }
        guard let zone = Instant.namedZone(text) else {
            reader.report("\"\(text)\" is not an IANA time-zone name such as Europe/Vienna or UTC",
                at: node.location, path: path)
            return nil
        }
        return zone
    }

    mutating func instant(_ node: DefinitionNode, at path: FieldPath) -> Date? {
        guard let text = reader.text(node, at: path) else { return nil }
        do {
            return try Instant.parse(text)
        } catch {
            reader.report(error.message, at: node.location, path: path)
            return nil
        }
    }

    mutating func window(_ fields: Fields) -> SurveyWindow? {
        let opensAt = fields["opens_at"].flatMap { instant($0, at: fields.path("opens_at")) }
        let closesAt = fields["closes_at"].flatMap { instant($0, at: fields.path("closes_at")) }
        guard let opensAt, let closesAt else { return nil }
        guard closesAt > opensAt else {
            reader.report(
                "closes_at (\(Instant.utcText(closesAt))) must be after opens_at (\(Instant.utcText(opensAt)))",
                at: fields.valueLocation("closes_at"), path: fields.path("closes_at"))
            return nil
        }
        return SurveyWindow(opensAt: opensAt, closesAt: closesAt)
    }

    // MARK: Sectors

    mutating func decodeSectors(_ node: DefinitionNode, at path: FieldPath) -> [Sector]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var sectors: [Sector] = []
        var seen = UniqueIDs<Sector>(kind: "sector")
        var keywordOwners: [String: SectorID] = [:]
        for (element, path) in elements {
            guard let fields = reader.fields(
                of: element, at: path, allowed: ["id", "label", "description", "keywords"], required: ["id", "label"])
            else { continue }
            let id: SectorID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
            let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
            let description = fields["description"].flatMap { reader.text($0, at: fields.path("description")) }
            var keywords: [String] = []
            if let list = fields["keywords"], let items = reader.elements(of: list, at: fields.path("keywords")) {
                for (item, itemPath) in items {
                    guard let keyword = reader.text(item, at: itemPath)?.lowercased() else { continue }
                    if let owner = keywordOwners[keyword] {
                        reader.report("keyword \"\(keyword)\" is already used by sector \"\(owner)\"; "
                            + "each keyword may place text in one sector only", at: item.location, path: itemPath)
                    } else if let id {
                        keywordOwners[keyword] = id
                    }
                    keywords.append(keyword)
                }
            }
            guard let id, seen.insert(id, at: fields.valueLocation("id"), path: fields.path("id"), into: &reader),
                let label
            else { continue }
            sectors.append(Sector(id: id, label: label, description: description, keywords: keywords))
        }
        return sectors
    }

    // MARK: Sections

    /// Every `sections[].questions[].id` text in the file, read without checks.
    static func questionIDs(in sections: DefinitionNode?) -> [QuestionID: SourceLocation] {
        guard case .sequence(let sectionNodes, _) = sections else { return [:] }
        var ids: [QuestionID: SourceLocation] = [:]
        for case .mapping(let entries, _) in sectionNodes {
            guard case .sequence(let questions, _) = entries.first(where: { $0.key == "questions" })?.value
            else { continue }
            for question in questions {
                if let id = rawID(of: question), ids[id] == nil { ids[id] = question.location }
            }
        }
        return ids
    }

    /// The `id` text of a question mapping, read without checks.
    static func rawID(of question: DefinitionNode) -> QuestionID? {
        guard case .mapping(let entries, _) = question,
            case .scalar(let text, _, _)? = entries.first(where: { $0.key == "id" })?.value
        else { return nil }
        return QuestionID(text)
    }

    mutating func decodeSections(_ node: DefinitionNode, at path: FieldPath) -> [Section]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var sections: [Section] = []
        var seenSections = UniqueIDs<Section>(kind: "section")
        var seenQuestions = UniqueIDs<Question>(kind: "question")
        for (element, path) in elements {
            guard let fields = reader.fields(
                of: element, at: path, allowed: ["id", "title", "description", "questions"],
                required: ["id", "title", "questions"])
            else { continue }
            let id: SectionID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
            let title = fields["title"].flatMap { reader.text($0, at: fields.path("title")) }
            let description = fields["description"].flatMap { reader.text($0, at: fields.path("description")) }
            var questions: [Question] = []
            if let list = fields["questions"], let items = reader.elements(of: list, at: fields.path("questions")) {
                for (item, itemPath) in items {
                    guard let (question, idLocation) = decodeQuestion(item, at: itemPath) else {
                        if let id = Self.rawID(of: item) { brokenQuestions.insert(id) }
                        continue
                    }
                    guard
                        seenQuestions.insert(question.id, at: idLocation, path: itemPath.appending("id"), into: &reader)
                    else { continue }
                    earlierQuestions[question.id] = question
                    questions.append(question)
                }
            }
            guard let id, seenSections.insert(id, at: fields.valueLocation("id"), path: fields.path("id"), into: &reader),
                let title
            else { continue }
            sections.append(Section(id: id, title: title, description: description, questions: questions))
        }
        return sections
    }
}

/// Ids already taken in one namespace, reporting a repeated one with where it first appeared.
struct UniqueIDs<Subject> {
    let kind: String
    private var firstSeen: [Identifier<Subject>: SourceLocation] = [:]

    init(kind: String) {
        self.kind = kind
    }

    /// Records `id`; returns false (and reports) if it was taken.
    mutating func insert(
        _ id: Identifier<Subject>, at location: SourceLocation, path: FieldPath, into reader: inout DefinitionReader
    ) -> Bool {
        if let first = firstSeen[id] {
            reader.report("duplicate \(kind) id \"\(id)\" (first used on line \(first.line))", at: location, path: path)
            return false
        }
        firstSeen[id] = location
        return true
    }
}
