extension SurveyDecoder {
    /// The `campaigns` mapping: `similarity` (a number in 0...1) and `minimum_size` (a whole number
    /// of at least 2), each defaulting to ``CampaignSettings/standard`` when left out.
    mutating func decodeCampaigns(_ node: DefinitionNode, at path: FieldPath) -> CampaignSettings? {
        guard let fields = reader.fields(of: node, at: path, allowed: ["similarity", "minimum_size"], required: [])
        else { return nil }
        var similarity = CampaignSettings.defaultSimilarity
        var minimumSize = CampaignSettings.defaultMinimumSize
        var valid = true
        if let value = fields["similarity"] {
            if let number = reader.number(value, at: fields.path("similarity")) {
                if number > 0 && number <= 1 {
                    similarity = number
                } else {
                    reader.report("similarity must be above 0 and at most 1; found \(number)",
                        at: value.location, path: fields.path("similarity"))
                    valid = false
                }
            } else {
                valid = false
            }
        }
        if let value = fields["minimum_size"] {
            if let number = reader.integer(value, at: fields.path("minimum_size")) {
                if number >= 2 {
                    minimumSize = number
                } else {
                    reader.report("minimum_size must be at least 2 (a campaign has several members); found \(number)",
                        at: value.location, path: fields.path("minimum_size"))
                    valid = false
                }
            } else {
                valid = false
            }
        }
        return valid ? CampaignSettings(similarity: similarity, minimumSize: minimumSize) : nil
    }
}
