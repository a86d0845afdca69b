import ConsultCore
import Foundation
import Testing

@Suite struct CountryTableTests {
    @Test func listsAll249CodesOfIso3166() {
        #expect(CountryTable.all.count == 249)
    }

    @Test func listsEachCodeOnceInUpperCaseAndSortedOrder() {
        let codes = CountryTable.all.map(\.alpha2)
        #expect(Set(codes).count == codes.count)
        #expect(codes == codes.sorted())
        #expect(codes.allSatisfy { $0.count == 2 && $0.allSatisfy { ("A"..."Z").contains($0) } })
        #expect(CountryTable.all.allSatisfy { $0.id == $0.alpha2 && !$0.name.isEmpty })
    }

    @Test(arguments: [
        ("AT", "Austria", "Europe", "Western Europe", "Europe"),
        ("IN", "India", "Asia", "Southern Asia", "Asia and South Pacific"),
        ("EG", "Egypt", "Africa", "Northern Africa", "Middle East and North Africa"),
        ("BR", "Brazil", "Americas", "Latin America and the Caribbean", "Americas"),
        ("AU", "Australia", "Oceania", "Australia and New Zealand", "Asia and South Pacific"),
        ("NG", "Nigeria", "Africa", "Sub-Saharan Africa", "Africa"),
        ("SA", "Saudi Arabia", "Asia", "Western Asia", "Middle East and North Africa"),
    ])
    func placesACountryInItsM49AndInterpolRegions(
        alpha2: String, name: String, region: String, subRegion: String, interpolRegion: String
    ) throws {
        let country = try #require(CountryTable.country(alpha2))
        #expect(country.alpha2 == alpha2)
        #expect(country.name == name)
        #expect(country.m49Region == region)
        #expect(country.m49SubRegion == subRegion)
        #expect(country.interpolRegion == interpolRegion)
    }

    @Test func countsTurkiyeInEuropeForInterpolThoughM49PutsItInWesternAsia() throws {
        let turkiye = try #require(CountryTable.country("TR"))
        #expect(turkiye.m49SubRegion == "Western Asia")
        #expect(turkiye.interpolRegion == "Europe")
    }

    @Test func givesAntarcticaNoRegion() throws {
        let antarctica = try #require(CountryTable.country("AQ"))
        #expect(antarctica.m49Region == nil)
        #expect(antarctica.m49SubRegion == nil)
        #expect(antarctica.interpolRegion == nil)
    }

    @Test func givesEveryOtherCountryOneOfTheFiveRegionsOfEachGrouping() {
        let others = CountryTable.all.filter { $0.alpha2 != "AQ" }
        let m49 = Set(others.compactMap(\.m49Region))
        let interpol = Set(others.compactMap(\.interpolRegion))
        #expect(others.allSatisfy { $0.m49Region != nil && $0.m49SubRegion != nil && $0.interpolRegion != nil })
        #expect(m49 == ["Africa", "Americas", "Asia", "Europe", "Oceania"])
        #expect(interpol == ["Africa", "Americas", "Asia and South Pacific", "Europe", "Middle East and North Africa"])
    }

    @Test func includesTerritoriesButNotKosovo() {
        for code in ["AX", "BQ", "BV", "CW", "GS", "SS", "SX", "TF", "UM"] {
            #expect(CountryTable.country(code) != nil, "\(code)")
        }
        #expect(CountryTable.country("XK") == nil)
    }

    @Test func findsCountriesByUpperCaseCodeOnly() {
        #expect(CountryTable.country("AT")?.name == "Austria")
        #expect(CountryTable.country("at") == nil)
        #expect(CountryTable.country("At") == nil)
        #expect(CountryTable.country("") == nil)
        #expect(CountryTable.country("AUT") == nil)
    }

    @Test func isExactlyWhatTheGeneratorMakesFromTheCsv() throws {
        let repoRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Scripts/generate-countries.py", "--check"]
        process.currentDirectoryURL = repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(message)")
    }
}
