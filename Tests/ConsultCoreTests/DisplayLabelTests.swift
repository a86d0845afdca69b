import ConsultCore
import Foundation
import SurveyFiles
import Testing

/// The labels people read for sector and region ids (the ids stay in exports).
@Suite struct DisplayLabelTests {
    static func survey() throws -> Survey {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try SurveyFile.load(path: root.appendingPathComponent("Surveys/ai-risk-assessment.yaml").path)
    }

    @Test func aSectorIdReadsAsTheSurveysLabel() throws {
        let survey = try Self.survey()
        #expect(survey.sectorLabel("police") == "Police")
        #expect(survey.sectorLabel("customs_border") == survey.sector("customs_border")?.label)
        #expect(survey.sectorLabel("customs_border") != "customs_border")
        for sector in survey.sectors { #expect(survey.sectorLabel(sector.id.rawValue) == sector.label) }
    }

    @Test func unclassifiedHasALabelAndAnUnknownIdIsNotDisguised() throws {
        let survey = try Self.survey()
        #expect(survey.sectorLabel(RespondentProfile.unclassified.rawValue) == "Unclassified")
        #expect(survey.sectorLabel("no_such_sector") == "no_such_sector")
    }

    @Test func theUnknownRegionReadsAsUnknownAndRegionsAsTheirNames() {
        #expect(CountryTable.regionLabel(CountryTable.unknownRegion) == "Unknown")
        #expect(CountryTable.regionLabel("Europe") == "Europe")
        let antarctica = CountryTable.country("AQ")
        #expect(antarctica?.m49Region == nil, "Antarctica is counted in the unknown region")
    }
}
