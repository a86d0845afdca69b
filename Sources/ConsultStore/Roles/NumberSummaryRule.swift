import ConsultCore
import Foundation

// The summary of a number question, the same on every engine.

extension NumberSummary {
    /// n, mean and median of one sector's answers, from each distinct value's count in ascending order
    /// (so memory stays flat however many answers there are): the one rule every engine uses.
    package static func summarising(sector: String, counts values: [(value: Double, count: Int)]) -> NumberSummary {
        let n = values.reduce(0) { $0 + $1.count }
        let total = values.reduce(0.0) { $0 + $1.value * Double($1.count) }
        func value(at position: Int) -> Double? {
            var seen = 0
            return values.first { seen += $0.count; return seen > position }?.value
        }
        let median = value(at: (n - 1) / 2).flatMap { lower in value(at: n / 2).map { (lower + $0) / 2 } }
        return NumberSummary(sector: sector, n: n, mean: n > 0 ? total / Double(n) : nil, median: median)
    }
}
