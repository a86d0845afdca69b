/// Why a numeric variable of an SPSS or Stata file holds no value (Exports/README.md, "SPSS and Stata").
public enum MissingReason: CaseIterable, Sendable {
    /// The question's display condition did not hold, so the respondent never saw it.
    case notShown
    /// Shown, and left unanswered (or a matrix item left unrated).
    case notAnswered
    /// Answered or not, the answer is withheld by the privacy rule (a personal answer of a respondent
    /// not published with their name).
    case withheld

    /// The Stata extended missing value: `.a`, `.b`, `.c`.
    var stataTag: CChar {
        switch self {
        case .notShown: CChar(UInt8(ascii: "a"))
        case .notAnswered: CChar(UInt8(ascii: "b"))
        case .withheld: CChar(UInt8(ascii: "c"))
        }
    }

    /// The SPSS user-missing code, below every valid value: with `ten` = 100 (or the smallest larger power
    /// of ten that keeps the codes below the variable's lowest value), -99, -98 and -97.
    func spssCode(ten: Double) -> Double {
        switch self {
        case .notAnswered: -(ten - 1)
        case .notShown: -(ten - 2)
        case .withheld: -(ten - 3)
        }
    }

    /// The value label of the missing value.
    var label: String {
        switch self {
        case .notShown: "not shown"
        case .notAnswered: "not answered"
        case .withheld: "withheld"
        }
    }

    /// The power of ten of ``spssCode(ten:)`` for a variable whose values are at least `lowest`:
    /// 100, or 1,000 … 10^15, the first whose codes lie below `lowest`; nil when none does.
    static func spssTen(lowest: Double) -> Double? {
        var ten = 100.0
        while ten <= 1e15 {
            if -(ten - 3) < lowest { return ten }
            ten *= 10
        }
        return nil
    }
}
