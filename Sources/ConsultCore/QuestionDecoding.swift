extension SurveyDecoder {
    static let commonQuestionKeys = ["id", "type", "text", "help", "required", "personal", "show_if"]

    /// The keys each question type adds to the common ones.
    static func typeKeys(_ type: QuestionType) -> [String] {
        switch type {
        case .singleChoice: ["options", "other"]
        case .multipleChoice: ["options", "other", "min_picks", "max_picks"]
        case .scale: ["points"]
        case .matrix: ["items", "points"]
        case .text: ["max_length", "multiline"]
        case .number: ["min", "max", "integer"]
        case .country, .email: []
        case .file: ["kinds", "max_size_mb", "max_files"]
        }
    }

    /// Decodes one question and returns it with where its id was written.
    mutating func decodeQuestion(_ node: DefinitionNode, at path: FieldPath) -> (Question, SourceLocation)? {
        let type = questionType(of: node, at: path)
        // Without a known type, accept every type's keys so only the type itself is reported.
        var seen = Set<String>()
        let allowed = (Self.commonQuestionKeys + (type.map(Self.typeKeys) ?? QuestionType.allCases.flatMap(Self.typeKeys)))
            .filter { seen.insert($0).inserted }
        guard let fields = reader.fields(
            of: node, at: path, allowed: allowed, required: ["id", "type", "text"] + Self.requiredKeys(of: type))
        else { return nil }
        let id: QuestionID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
        let text = fields["text"].flatMap { reader.text($0, at: fields.path("text")) }
        let help = fields["help"].flatMap { reader.text($0, at: fields.path("help")) }
        let isRequired = fields["required"].flatMap { reader.flag($0, at: fields.path("required")) } ?? false
        let isPersonal = fields["personal"].flatMap { reader.flag($0, at: fields.path("personal")) } ?? false
        let showIf = fields["show_if"].flatMap { condition($0, at: fields.path("show_if"), of: id) }
        let kind = type.flatMap { self.kind(of: $0, id: id, fields: fields) }
        guard let id, let text, let kind, fields["show_if"] == nil || showIf != nil else { return nil }
        let question = Question(
            id: id, text: text, help: help, isRequired: isRequired, isPersonal: isPersonal, showIf: showIf, kind: kind)
        return (question, fields.valueLocation("id"))
    }

    static func requiredKeys(of type: QuestionType?) -> [String] {
        switch type {
        case .scale: ["points"]
        case .matrix: ["items", "points"]
        case .text: ["max_length"]
        default: []
        }
    }

    /// The `type` of a question mapping, reported if it is missing from the list of types.
    mutating func questionType(of node: DefinitionNode, at path: FieldPath) -> QuestionType? {
        guard case .mapping(let entries, _) = node, let typeNode = entries.first(where: { $0.key == "type" })?.value,
            case .scalar(let text, _, let location) = typeNode, !typeNode.isNull
        else { return nil }
        guard let type = QuestionType(rawValue: text) else {
            reader.report("unknown question type \"\(text)\"; expected one of "
                + QuestionType.allCases.map(\.rawValue).joined(separator: ", "), at: location, path: path.appending("type"))
            return nil
        }
        return type
    }

    mutating func kind(of type: QuestionType, id: QuestionID?, fields: Fields) -> QuestionKind? {
        switch type {
        case .singleChoice:
            return choiceList(fields, id: id).map(QuestionKind.singleChoice)
        case .multipleChoice:
            guard let list = choiceList(fields, id: id) else { return nil }
            return picks(fields, choiceCount: list.choiceCount).map { .multipleChoice(list, picks: $0) }
        case .scale:
            return fields["points"].flatMap { scale($0, at: fields.path("points")) }.map(QuestionKind.scale)
        case .matrix:
            let items = fields["items"].flatMap { matrixItems($0, at: fields.path("items")) }
            let scale = fields["points"].flatMap { self.scale($0, at: fields.path("points")) }
            guard let items, let scale else { return nil }
            return .matrix(items: items, scale: scale)
        case .text:
            let maxLength = fields["max_length"].flatMap { reader.integer($0, at: fields.path("max_length")) }
            let multiline = fields["multiline"].flatMap { reader.flag($0, at: fields.path("multiline")) } ?? false
            guard let maxLength else { return nil }
            guard (1...100_000).contains(maxLength) else {
                reader.report("max_length must be between 1 and 100000; found \(maxLength)",
                    at: fields.valueLocation("max_length"), path: fields.path("max_length"))
                return nil
            }
            return .text(maxLength: maxLength, multiline: multiline)
        case .number:
            return numberRange(fields).map(QuestionKind.number)
        case .country:
            return .country
        case .email:
            return .email
        case .file:
            return fileRule(fields)
        }
    }

    // MARK: Choices

    mutating func choiceList(_ fields: Fields, id: QuestionID?) -> ChoiceList? {
        let allowsOther = fields["other"].flatMap { reader.flag($0, at: fields.path("other")) } ?? false
        switch id.flatMap(roles.impliedOptions) {
        case .sectors:
            if fields["options"] != nil {
                reader.report("the sector question takes its options from \"sectors\"; remove \"options\"",
                    at: fields.location("options"), path: fields.path("options"))
                return nil
            }
            let options = sectors.map { ChoiceOption(id: OptionID($0.id.rawValue), label: $0.label) }
            return ChoiceList(options: options, allowsOther: allowsOther)
        case .publicationChoices:
            if fields["options"] != nil {
                reader.report("the publication question offers the fixed choices "
                    + PublicationChoice.allCases.map(\.rawValue).joined(separator: ", ") + "; remove \"options\"",
                    at: fields.location("options"), path: fields.path("options"))
                return nil
            }
            if allowsOther {
                reader.report("the publication question cannot offer \"other\"",
                    at: fields.location("other"), path: fields.path("other"))
                return nil
            }
            let options = PublicationChoice.allCases.map { ChoiceOption(id: OptionID($0.rawValue), label: $0.label) }
            return ChoiceList(options: options, allowsOther: false)
        case nil:
            guard let node = fields["options"] else {
                reader.report("missing required key \"options\"", at: fields.location, path: fields.path("options"))
                return nil
            }
            return options(node, at: fields.path("options")).map { ChoiceList(options: $0, allowsOther: allowsOther) }
        }
    }

    mutating func options(_ node: DefinitionNode, at path: FieldPath) -> [ChoiceOption]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var options: [ChoiceOption] = []
        var seen = UniqueIDs<ChoiceOption>(kind: "option")
        var complete = true
        for (element, path) in elements {
            guard let fields = reader.fields(
                of: element, at: path, allowed: ["id", "label", "points"], required: ["id", "label"])
            else { complete = false; continue }
            let id: OptionID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
            let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
            let points = fields["points"].flatMap { reader.integer($0, at: fields.path("points")) }
            if id == ChoiceList.otherID {
                reader.report("the option id \"other\" is reserved for \"Other (please specify)\"; "
                    + "write `other: true` on the question instead", at: fields.valueLocation("id"), path: fields.path("id"))
                complete = false
                continue
            }
            guard let id, seen.insert(id, at: fields.valueLocation("id"), path: fields.path("id"), into: &reader),
                let label, fields["points"] == nil || points != nil
            else { complete = false; continue }
            options.append(ChoiceOption(id: id, label: label, points: points))
        }
        return complete ? options : nil
    }

    mutating func picks(_ fields: Fields, choiceCount: Int) -> ClosedRange<Int>? {
        let minPicks = fields["min_picks"].map { reader.integer($0, at: fields.path("min_picks")) } ?? 0
        let maxPicks = fields["max_picks"].map { reader.integer($0, at: fields.path("max_picks")) } ?? choiceCount
        guard let minPicks, let maxPicks else { return nil }
        if minPicks < 0 {
            reader.report("min_picks cannot be negative", at: fields.valueLocation("min_picks"), path: fields.path("min_picks"))
            return nil
        }
        if maxPicks < 1 || maxPicks > choiceCount {
            reader.report("max_picks must be between 1 and the number of choices (\(choiceCount)); found \(maxPicks)",
                at: fields.valueLocation("max_picks"), path: fields.path("max_picks"))
            return nil
        }
        if minPicks > maxPicks {
            reader.report("min_picks (\(minPicks)) is larger than max_picks (\(maxPicks))",
                at: fields.valueLocation("min_picks"), path: fields.path("min_picks"))
            return nil
        }
        return minPicks...maxPicks
    }

    // MARK: Scales, matrices, numbers

    mutating func scale(_ node: DefinitionNode, at path: FieldPath) -> Scale? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        guard elements.count >= 2 else {
            reader.report("a scale needs at least two points", at: node.location, path: path)
            return nil
        }
        var points: [ScalePoint] = []
        var complete = true
        for (element, path) in elements {
            guard let fields = reader.fields(of: element, at: path, allowed: ["value", "label"], required: ["value", "label"])
            else { complete = false; continue }
            let value = fields["value"].flatMap { reader.integer($0, at: fields.path("value")) }
            let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
            guard let value, let label else { complete = false; continue }
            if let previous = points.last, value <= previous.value {
                reader.report("point values must increase down the list; \(value) comes after \(previous.value)",
                    at: fields.valueLocation("value"), path: fields.path("value"))
                complete = false
                continue
            }
            points.append(ScalePoint(value: value, label: label))
        }
        return complete ? Scale(points: points) : nil
    }

    mutating func matrixItems(_ node: DefinitionNode, at path: FieldPath) -> [MatrixItem]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var items: [MatrixItem] = []
        var seen = UniqueIDs<MatrixItem>(kind: "item")
        var complete = true
        for (element, path) in elements {
            guard let fields = reader.fields(of: element, at: path, allowed: ["id", "label"], required: ["id", "label"])
            else { complete = false; continue }
            let id: MatrixItemID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
            let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
            guard let id, seen.insert(id, at: fields.valueLocation("id"), path: fields.path("id"), into: &reader),
                let label
            else { complete = false; continue }
            items.append(MatrixItem(id: id, label: label))
        }
        return complete ? items : nil
    }

    mutating func numberRange(_ fields: Fields) -> NumberRange? {
        let minimum = fields["min"].map { reader.number($0, at: fields.path("min")) }
        let maximum = fields["max"].map { reader.number($0, at: fields.path("max")) }
        let integerOnly = fields["integer"].flatMap { reader.flag($0, at: fields.path("integer")) } ?? false
        if minimum == .some(nil) || maximum == .some(nil) { return nil }
        if let low = minimum ?? nil, let high = maximum ?? nil, low >= high {
            reader.report("min (\(Self.number(low))) must be less than max (\(Self.number(high)))",
                at: fields.valueLocation("max"), path: fields.path("max"))
            return nil
        }
        return NumberRange(min: minimum ?? nil, max: maximum ?? nil, integerOnly: integerOnly)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    // MARK: Conditions

    /// A `show_if`, which may only look at an earlier choice or scale question.
    mutating func condition(_ node: DefinitionNode, at path: FieldPath, of owner: QuestionID?) -> DisplayCondition? {
        guard let fields = reader.fields(of: node, at: path, allowed: ["question", "equals", "any_of"], required: ["question"])
        else { return nil }
        let valueNodes: [(DefinitionNode, FieldPath)]
        switch (fields["equals"], fields["any_of"]) {
        case (let equals?, nil):
            valueNodes = [(equals, fields.path("equals"))]
        case (nil, let anyOf?):
            guard let elements = reader.elements(of: anyOf, at: fields.path("any_of")) else { return nil }
            valueNodes = elements.map { ($0.node, $0.path) }
        case (.some, .some):
            reader.report("give either \"equals\" or \"any_of\", not both", at: fields.location("any_of"), path: fields.path("any_of"))
            return nil
        case (nil, nil):
            reader.report("missing \"equals\" or \"any_of\": the value(s) that show the question",
                at: fields.location, path: path)
            return nil
        }
        guard let targetNode = fields["question"],
            let targetID: QuestionID = reader.identifier(targetNode, at: fields.path("question"))
        else { return nil }
        let targetPath = fields.path("question")
        guard let target = earlierQuestions[targetID] else {
            if brokenQuestions.contains(targetID) {
                return nil
            } else if targetID == owner {
                reader.report("a question cannot depend on its own answer", at: targetNode.location, path: targetPath)
            } else if let later = questionIDsInFile[targetID] {
                reader.report("\"\(targetID)\" is defined later in the survey (line \(later.line)); "
                    + "show_if may only point to an earlier question", at: targetNode.location, path: targetPath)
            } else {
                reader.report("no question has the id \"\(targetID)\"", at: targetNode.location, path: targetPath)
            }
            return nil
        }
        var values: [ConditionValue] = []
        for (valueNode, valuePath) in valueNodes {
            guard let value = conditionValue(valueNode, at: valuePath, target: target) else { return nil }
            values.append(value)
        }
        return DisplayCondition(question: targetID, values: values)
    }

    mutating func conditionValue(_ node: DefinitionNode, at path: FieldPath, target: Question) -> ConditionValue? {
        switch target.kind {
        case .singleChoice(let list), .multipleChoice(let list, _):
            guard let text = reader.text(node, at: path) else { return nil }
            let id = OptionID(text)
            if list.option(id) != nil || (list.allowsOther && id == ChoiceList.otherID) {
                return .option(id)
            }
            let known = list.options.map(\.id.rawValue) + (list.allowsOther ? [ChoiceList.otherID.rawValue] : [])
            reader.report("\"\(text)\" is not an option of \"\(target.id)\"; its options are "
                + known.joined(separator: ", "), at: node.location, path: path)
            return nil
        case .scale(let scale):
            guard let value = reader.integer(node, at: path) else { return nil }
            guard scale.point(value) != nil else {
                reader.report("\(value) is not a point of the scale \"\(target.id)\"; its values are "
                    + scale.points.map { String($0.value) }.joined(separator: ", "), at: node.location, path: path)
                return nil
            }
            return .scaleValue(value)
        default:
            reader.report("show_if can only look at a single_choice, multiple_choice or scale question; "
                + "\"\(target.id)\" is a \(target.kind.type.rawValue) question", at: node.location, path: path)
            return nil
        }
    }
}
