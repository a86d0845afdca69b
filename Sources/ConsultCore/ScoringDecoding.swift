extension SurveyDecoder {
    mutating func decodeScoring(_ node: DefinitionNode, at path: FieldPath) -> Scoring? {
        guard let fields = reader.fields(of: node, at: path, allowed: ["levels", "scores"], required: ["levels", "scores"])
        else { return nil }
        guard let levels = fields["levels"].flatMap({ scoreLevels($0, at: fields.path("levels")) }),
            let scoreNodes = fields["scores"].flatMap({ reader.elements(of: $0, at: fields.path("scores")) })
        else { return nil }
        var scores: [ScoreRule] = []
        var seen = UniqueIDs<ScoreRule>(kind: "score")
        var complete = true
        for (element, path) in scoreNodes {
            guard let (rule, idLocation) = scoreRule(element, at: path, levels: levels),
                seen.insert(rule.id, at: idLocation, path: path.appending("id"), into: &reader)
            else { complete = false; continue }
            scores.append(rule)
        }
        return complete ? Scoring(levels: levels, scores: scores) : nil
    }

    mutating func scoreLevels(_ node: DefinitionNode, at path: FieldPath) -> [ScoreLevel]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var levels: [ScoreLevel] = []
        var seen = UniqueIDs<ScoreLevel>(kind: "level")
        var complete = true
        for (element, path) in elements {
            guard let fields = reader.fields(
                of: element, at: path, allowed: ["id", "label", "meaning", "next_steps"], required: ["id", "label"])
            else { complete = false; continue }
            let id: LevelID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
            let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
            var meaning: String?
            var described = true
            if let node = fields["meaning"] {
                meaning = reader.text(node, at: fields.path("meaning"))
                described = meaning != nil
            }
            var steps: [String] = []
            if let node = fields["next_steps"] {
                if let read = nextSteps(node, at: fields.path("next_steps")) { steps = read } else { described = false }
            }
            guard let id, seen.insert(id, at: fields.valueLocation("id"), path: fields.path("id"), into: &reader),
                let label, described
            else { complete = false; continue }
            levels.append(ScoreLevel(id: id, label: label, meaning: meaning, nextSteps: steps))
        }
        return complete ? levels : nil
    }

    /// A level's next steps: a list of texts, each reported where it is blank or not text.
    mutating func nextSteps(_ node: DefinitionNode, at path: FieldPath) -> [String]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        let steps = elements.map { reader.text($0.node, at: $0.path) }
        return steps.contains(where: { $0 == nil }) ? nil : steps.compactMap { $0 }
    }

    /// One score with its bands, and where its id was written.
    mutating func scoreRule(_ node: DefinitionNode, at path: FieldPath, levels: [ScoreLevel]) -> (ScoreRule, SourceLocation)? {
        guard let fields = reader.fields(
            of: node, at: path, allowed: ["id", "label", "sum", "product", "bands"], required: ["id", "label", "bands"])
        else { return nil }
        let id: ScoreID? = fields["id"].flatMap { reader.identifier($0, at: fields.path("id")) }
        let label = fields["label"].flatMap { reader.text($0, at: fields.path("label")) }
        let formula = self.formula(fields)
        let bands = fields["bands"].flatMap { self.bands($0, at: fields.path("bands"), levels: levels) }
        guard let id, let label, let formula, let bands else { return nil }
        let reachable = formula.range
        guard bandsCover(reachable, bands: bands, fields: fields) else { return nil }
        return (ScoreRule(id: id, label: label, formula: formula.formula, bands: bands.map(\.band)), fields.valueLocation("id"))
    }

    /// The formula with the range of scores it can produce.
    mutating func formula(_ fields: Fields) -> (formula: ScoreRule.Formula, range: ClosedRange<Int>)? {
        let key: String
        switch (fields["sum"], fields["product"]) {
        case (.some, nil): key = "sum"
        case (nil, .some): key = "product"
        case (.some, .some):
            reader.report("give either \"sum\" or \"product\", not both", at: fields.location("product"), path: fields.path("product"))
            return nil
        case (nil, nil):
            reader.report("missing \"sum\" or \"product\": the questions the score is computed from",
                at: fields.location, path: fields.path)
            return nil
        }
        guard let node = fields[key], let elements = reader.elements(of: node, at: fields.path(key)) else { return nil }
        if key == "product" && elements.count < 2 {
            reader.report("a product needs at least two questions", at: node.location, path: fields.path(key))
            return nil
        }
        var ids: [QuestionID] = []
        var range = key == "sum" ? 0...0 : 1...1
        var complete = true
        for (element, path) in elements {
            guard let id: QuestionID = reader.identifier(element, at: path) else { complete = false; continue }
            guard !ids.contains(id) else {
                reader.report("\"\(id)\" is listed twice", at: element.location, path: path)
                complete = false
                continue
            }
            guard let question = earlierQuestions[id] else {
                if !brokenQuestions.contains(id) {
                    reader.report("no question has the id \"\(id)\"", at: element.location, path: path)
                }
                complete = false
                continue
            }
            let contribution = key == "sum" ? question.sumContribution : question.productFactor
            guard let contribution else {
                reader.report(Self.unscorableMessage(question, in: key), at: element.location, path: path)
                complete = false
                continue
            }
            ids.append(id)
            range = key == "sum"
                ? (range.lowerBound + contribution.lowerBound)...(range.upperBound + contribution.upperBound)
                : range.multiplied(by: contribution)
        }
        guard complete else { return nil }
        return (key == "sum" ? .sum(ids) : .product(ids), range)
    }

    static func unscorableMessage(_ question: Question, in key: String) -> String {
        switch question.kind {
        case .singleChoice(let list), .multipleChoice(let list, _):
            if key == "product", case .multipleChoice = question.kind {
                return "\"\(question.id)\" is a multiple_choice question; a product takes scale or single_choice questions"
            }
            let missing = list.options.filter { $0.points == nil }.map { "\"\($0.id)\"" }
            return "every option of \"\(question.id)\" needs points to be scored; "
                + "\(missing.joined(separator: ", ")) \(missing.count == 1 ? "has" : "have") none"
        case .matrix where key == "product":
            return "\"\(question.id)\" is a matrix question; a product takes scale or single_choice questions"
        default:
            return "\"\(question.id)\" is a \(question.kind.type.rawValue) question, which gives no points"
        }
    }

    struct LocatedBand {
        let band: ScoreBand
        let minLocation: SourceLocation
        let maxLocation: SourceLocation
        let path: FieldPath
    }

    mutating func bands(_ node: DefinitionNode, at path: FieldPath, levels: [ScoreLevel]) -> [LocatedBand]? {
        guard let elements = reader.elements(of: node, at: path) else { return nil }
        var bands: [LocatedBand] = []
        var complete = true
        for (element, path) in elements {
            guard let fields = reader.fields(
                of: element, at: path, allowed: ["min", "max", "level"], required: ["min", "max", "level"])
            else { complete = false; continue }
            let low = fields["min"].flatMap { reader.integer($0, at: fields.path("min")) }
            let high = fields["max"].flatMap { reader.integer($0, at: fields.path("max")) }
            let level: LevelID? = fields["level"].flatMap { reader.identifier($0, at: fields.path("level")) }
            if let level, !levels.contains(where: { $0.id == level }) {
                reader.report("\"\(level)\" is not one of the levels "
                    + levels.map(\.id.rawValue).joined(separator: ", "), at: fields.valueLocation("level"), path: fields.path("level"))
                complete = false
                continue
            }
            guard let low, let high, let level else { complete = false; continue }
            guard low <= high else {
                reader.report("min (\(low)) is larger than max (\(high))", at: fields.valueLocation("min"), path: fields.path("min"))
                complete = false
                continue
            }
            bands.append(LocatedBand(
                band: ScoreBand(range: low...high, level: level), minLocation: fields.valueLocation("min"),
                maxLocation: fields.valueLocation("max"), path: path))
        }
        return complete ? bands : nil
    }

    /// Whether the bands, in order, cover `reachable` with no gap and no overlap (reporting each fault).
    mutating func bandsCover(_ reachable: ClosedRange<Int>, bands: [LocatedBand], fields: Fields) -> Bool {
        guard let first = bands.first, let last = bands.last else { return false }
        var covers = true
        if first.band.range.lowerBound > reachable.lowerBound {
            reader.report("\(Self.scores(reachable.lowerBound...(first.band.range.lowerBound - 1))) in no band: "
                + "this score can be as low as \(reachable.lowerBound)", at: first.minLocation, path: first.path.appending("min"))
            covers = false
        }
        for (previous, band) in zip(bands, bands.dropFirst()) {
            let previousMax = previous.band.range.upperBound
            let bandMin = band.band.range.lowerBound
            if bandMin > previousMax + 1 {
                reader.report("\(Self.scores((previousMax + 1)...(bandMin - 1))) in no band: "
                    + "the previous band ends at \(previousMax), so this one must start at \(previousMax + 1)",
                    at: band.minLocation, path: band.path.appending("min"))
                covers = false
            } else if bandMin <= previousMax {
                let overlap = max(bandMin, previous.band.range.lowerBound)...min(previousMax, band.band.range.upperBound)
                reader.report("\(Self.scores(overlap)) in this band and the previous one: "
                    + "the previous band ends at \(previousMax), so this one must start at \(previousMax + 1)",
                    at: band.minLocation, path: band.path.appending("min"))
                covers = false
            }
        }
        if last.band.range.upperBound < reachable.upperBound {
            reader.report("\(Self.scores((last.band.range.upperBound + 1)...reachable.upperBound)) in no band: "
                + "this score can be as high as \(reachable.upperBound)", at: last.maxLocation, path: last.path.appending("max"))
            covers = false
        }
        return covers
    }

    /// "score 4 falls" or "scores 4 to 6 fall".
    static func scores(_ range: ClosedRange<Int>) -> String {
        range.count == 1 ? "score \(range.lowerBound) falls" : "scores \(range.lowerBound) to \(range.upperBound) fall"
    }
}
