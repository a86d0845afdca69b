/// The statistics packages' files the raw responses can be written as (see ``StatisticalExport``).
public enum StatisticalFileFormat: String, Sendable, CaseIterable {
    /// SPSS system file (`.sav`).
    case sav
    /// Stata 14+ data file (`.dta`, release 118).
    case dta

    /// The longest variable name: SPSS 64 bytes, Stata 32 characters (names are ASCII here, so both are bytes).
    var nameLimit: Int {
        switch self {
        case .sav: 64
        case .dta: 32
        }
    }
}

/// Turns the raw export's column names (`q`, `q.option`, `q.other_text`) into variable names valid
/// in SPSS or Stata, each unique in its file. The rules, applied in this order:
///
/// 1. Every character other than an ASCII letter, digit or `_` becomes `_` (`q.a` → `q_a`, `q-1` → `q_1`).
/// 2. A name that does not start with a letter gets `v` in front (`2024` → `v2024`).
/// 3. A reserved word gets `_` appended (SPSS, any case: ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH;
///    Stata: `byte double float if in int long strL using with` and the `_`-words, which rule 2 already
///    avoids). A Stata name starting with `str` and a digit (`str#` types) gets `v` in front.
/// 4. A name longer than the format allows (SPSS 64 bytes, Stata 32 characters) is cut.
/// 5. A name already used in the file (SPSS compares without case) gets `_2`, `_3`, … appended,
///    the smallest number free, the name being cut first so that the whole fits the limit.
///
/// Names are given in the order of the variables, so the same survey always gets the same names.
struct VariableNamer {
    let format: StatisticalFileFormat
    private var used: Set<String> = []

    init(format: StatisticalFileFormat) {
        self.format = format
    }

    static let spssReserved: Set<String> = ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"]
    static let stataReserved: Set<String> = [
        "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N", "_pi",
        "_pred", "_rc", "_skip", "strL", "using", "with",
    ]

    /// The variable name for `column`, unique among the names given so far.
    mutating func name(for column: String) -> String {
        let base = cut(Self.valid(column, for: format), to: format.nameLimit)
        var name = base
        var number = 1
        while !used.insert(key(name)).inserted {
            number += 1
            let suffix = "_\(number)"
            name = cut(base, to: format.nameLimit - suffix.utf8.count) + suffix
        }
        return name
    }

    /// `column` after rules 1–3.
    static func valid(_ column: String, for format: StatisticalFileFormat) -> String {
        var name = String(column.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_") ? Character(scalar) : "_"
        })
        if !(name.unicodeScalars.first.map { $0.isASCII && $0.properties.isAlphabetic } ?? false) { name = "v" + name }
        switch format {
        case .sav:
            if spssReserved.contains(name.uppercased()) { name += "_" }
        case .dta:
            if stataReserved.contains(name) { name += "_" }
            let afterStr = name.hasPrefix("str") ? name.dropFirst(3).first : nil
            if let afterStr, afterStr.isASCII, afterStr.isNumber { name = "v" + name }
        }
        return name
    }

    private func cut(_ name: String, to limit: Int) -> String {
        String(name.prefix(limit))
    }

    private func key(_ name: String) -> String {
        format == .sav ? name.uppercased() : name
    }
}
