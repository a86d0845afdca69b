@testable import ConsultExport
import SurveyFiles
import Testing

/// Each rule of the mapping from the raw export's column names to SPSS and Stata variable names.
@Suite struct VariableNamerTests {
    func names(_ columns: [String], _ format: StatisticalFileFormat) -> [String] {
        var namer = VariableNamer(format: format)
        return columns.map { namer.name(for: $0) }
    }

    @Test func charactersOtherThanLettersDigitsAndUnderscoreBecomeUnderscores() {
        for format in StatisticalFileFormat.allCases {
            #expect(names(["q.option", "rate-me.item_1", "é"], format) == ["q_option", "rate_me_item_1", "v_"])
        }
    }

    @Test func aNameNotStartingWithALetterGetsAV() {
        for format in StatisticalFileFormat.allCases {
            #expect(names(["2024", "9.a", "_x"], format) == ["v2024", "v9_a", "v_x"])
        }
    }

    @Test func reservedWordsGetAnUnderscore() {
        #expect(names(["all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with", "byte"], .sav)
            == ["all_", "and_", "by_", "eq_", "ge_", "gt_", "le_", "lt_", "ne_", "not_", "or_", "to_", "with_", "byte"])
        #expect(names(["byte", "double", "float", "if", "in", "int", "long", "using", "with", "all", "strL"], .dta)
            == ["byte_", "double_", "float_", "if_", "in_", "int_", "long_", "using_", "with_", "all", "strL_"])
    }

    @Test func stataStorageTypeNamesGetAV() {
        #expect(names(["str1", "str2045", "str9x", "strong", "str"], .dta) == ["vstr1", "vstr2045", "vstr9x", "strong", "str"])
        #expect(names(["str1"], .sav) == ["str1"])
    }

    @Test func longNamesAreCutToTheFormatsLimit() {
        let id = String(repeating: "a", count: 64)
        let column = id + ".option"
        #expect(names([column], .sav) == [id])
        #expect(names([column], .dta) == [String(repeating: "a", count: 32)])
        #expect(names([String(repeating: "b", count: 40)], .sav) == [String(repeating: "b", count: 40)])
    }

    @Test func collisionsGetTheSmallestFreeNumberInOrder() {
        // `q.a` and `q_a` both become q_a; the later one is numbered.
        #expect(names(["q.a", "q_a", "q-a", "q_a_2"], .dta) == ["q_a", "q_a_2", "q_a_3", "q_a_2_2"])
        // SPSS compares names without case.
        #expect(names(["Q", "q"], .sav) == ["Q", "q_2"])
        #expect(names(["Q", "q"], .dta) == ["Q", "q"])
    }

    @Test func numberedNamesStillFitTheLimit() {
        let long = String(repeating: "c", count: 40)
        let cut = String(repeating: "c", count: 32)
        let numbered = names([long + "x", long + "y", long + "z"], .dta)
        #expect(numbered == [cut, String(repeating: "c", count: 30) + "_2", String(repeating: "c", count: 30) + "_3"])
        #expect(numbered.allSatisfy { $0.count <= 32 })
    }

    @Test func theSameColumnsAlwaysGetTheSameNames() {
        let columns = ["respondent", "q.a", "q_a", "if", "2x", String(repeating: "d", count: 70)]
        for format in StatisticalFileFormat.allCases {
            #expect(names(columns, format) == names(columns, format))
        }
    }

    @Test func textsAreCutAtCharacterBoundariesWithAMark() {
        // 'é' takes two bytes: a cut never splits it.
        let label = String(repeating: "é", count: 200)
        let sav = StatisticalText.label(label, for: .sav)
        #expect(sav.utf8.count <= 256 && sav.hasSuffix("…") && sav.dropLast().allSatisfy { $0 == "é" })
        #expect(sav.utf8.count == 126 * 2 + 3)
        let dta = StatisticalText.label(label, for: .dta)
        #expect(dta.unicodeScalars.count == 80 && dta.hasSuffix("…"))
        #expect(StatisticalText.label("short", for: .dta) == "short")
        #expect(StatisticalText.value("a\u{0}b", for: .dta) == "a\u{FFFD}b")
        let long = String(repeating: "ש", count: 20_000)
        let cutValue = StatisticalText.value(long, for: .sav)
        #expect(cutValue.utf8.count == 32_766 && !cutValue.hasSuffix("…"))
        #expect(StatisticalText.value(long, for: .dta) == long)
    }

    @Test func missingCodesLieBelowTheLowestValue() {
        #expect(MissingReason.spssTen(lowest: 0) == 100)
        #expect(MissingReason.spssTen(lowest: -96) == 100)
        #expect(MissingReason.spssTen(lowest: -97) == 1_000)
        #expect(MissingReason.spssTen(lowest: -5_000) == 10_000)
        #expect(MissingReason.spssTen(lowest: -1e16) == nil)
        #expect(MissingReason.allCases.map { $0.spssCode(ten: 100) } == [-98, -99, -97])
    }

    /// The variables are named from the CSV's unique column names: a question named like a fact
    /// column (`country.answer`) keeps the CSV's `.answer`.
    @Test func variablesAreNamedFromTheCSVsUniqueColumns() throws {
        let survey = try SurveyFile.parse(ColumnsAndNumbersTests.yaml, file: "survey.yaml")
        for format in StatisticalFileFormat.allCases {
            let names = StatisticalVariables(survey: survey, format: format).variables.map(\.name)
            #expect(names == ColumnsAndNumbersTests.expectedHeader.map { $0.replacingOccurrences(of: ".", with: "_") })
        }
    }
}
