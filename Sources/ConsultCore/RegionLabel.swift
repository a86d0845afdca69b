// Beside the generated country table (Scripts/generate-countries.py writes CountryTable.swift).
extension CountryTable {
    /// The region code of respondents without a known region (no country, or Antarctica), as exports write it.
    public static let unknownRegion = "unknown"

    /// The name a person reads for a region code: the region's name, or "Unknown" for ``unknownRegion``.
    public static func regionLabel(_ region: String) -> String {
        region == unknownRegion ? "Unknown" : region
    }
}
