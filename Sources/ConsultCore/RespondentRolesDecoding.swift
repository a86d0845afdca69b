/// The `respondent` block as written, before the questions it names are known.
struct DeclaredRoles {
    struct Reference {
        let id: QuestionID
        let location: SourceLocation
        let path: FieldPath
    }

    var sector: Reference?
    var country: Reference?
    var publication: Reference?

    /// The role a question plays, if it is the sector or the publication question (whose options are implied).
    func impliedOptions(of id: QuestionID) -> ImpliedOptions? {
        if sector?.id == id { return .sectors }
        if publication?.id == id { return .publicationChoices }
        return nil
    }

    enum ImpliedOptions {
        case sectors
        case publicationChoices
    }
}

extension SurveyDecoder {
    mutating func declaredRoles(_ node: DefinitionNode, at path: FieldPath) -> DeclaredRoles {
        var roles = DeclaredRoles()
        guard let fields = reader.fields(
            of: node, at: path, allowed: ["sector_question", "country_question", "publication_question"],
            required: ["sector_question"])
        else { return roles }
        func reference(_ key: String) -> DeclaredRoles.Reference? {
            guard let node = fields[key], let id: QuestionID = reader.identifier(node, at: fields.path(key)) else {
                return nil
            }
            return DeclaredRoles.Reference(id: id, location: node.location, path: fields.path(key))
        }
        roles.sector = reference("sector_question")
        roles.country = reference("country_question")
        roles.publication = reference("publication_question")
        if let sector = roles.sector, let publication = roles.publication, sector.id == publication.id {
            reader.report("the sector question and the publication question must be different questions",
                at: publication.location, path: publication.path)
            roles.publication = nil
        }
        return roles
    }

    /// The roles, once every question is decoded: each must name a question of the right type.
    mutating func checkedRoles() -> RespondentRoles? {
        func check(_ reference: DeclaredRoles.Reference?, role: String, type: QuestionType) -> QuestionID? {
            guard let reference else { return nil }
            guard let question = earlierQuestions[reference.id] else {
                if questionIDsInFile[reference.id] == nil {
                    reader.report("no question has the id \"\(reference.id)\"", at: reference.location, path: reference.path)
                }
                return nil
            }
            guard question.kind.type == type else {
                reader.report("\"\(reference.id)\" is a \(question.kind.type.rawValue) question; "
                    + "the \(role) must be a \(type.rawValue) question", at: reference.location, path: reference.path)
                return nil
            }
            return reference.id
        }
        let sector = check(roles.sector, role: "sector question", type: .singleChoice)
        let country = check(roles.country, role: "country question", type: .country)
        let publication = check(roles.publication, role: "publication question", type: .singleChoice)
        guard let sector, (country != nil) == (roles.country != nil),
            (publication != nil) == (roles.publication != nil)
        else { return nil }
        return RespondentRoles(sectorQuestion: sector, countryQuestion: country, publicationQuestion: publication)
    }
}
