/// Inter-coder agreement on nominal data: Cohen's kappa for two coders and Krippendorff's alpha
/// for any number of coders with missing values.
///
/// Both are undefined when the data show no variation (every value the same): the expected
/// disagreement is then zero and the ratio 0/0. They return `nil` in that case, never NaN, so
/// JSON and CSV carry an empty value (`null`) rather than a number that is not one.
public enum Agreement {
    /// Cohen's kappa of two coders who each gave one value per unit:
    /// κ = (p_o − p_e) / (1 − p_e), with p_e from each coder's own marginal shares.
    /// `nil` for no pairs, or when p_e = 1 (both coders used one and the same value throughout).
    public static func cohensKappa<Value: Hashable>(_ pairs: [(Value, Value)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        var first: [Value: Double] = [:]
        var second: [Value: Double] = [:]
        var agreed = 0.0
        for (a, b) in pairs {
            first[a, default: 0] += 1
            second[b, default: 0] += 1
            if a == b { agreed += 1 }
        }
        let observed = agreed / n
        let expected = first.reduce(0.0) { $0 + ($1.value / n) * ((second[$1.key] ?? 0) / n) }
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }

    /// Krippendorff's alpha for nominal values: `units[u]` holds each coder's value for unit u,
    /// `nil` where the coder gave none. Units with fewer than two values are not pairable and
    /// do not count. α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k over the coincidence matrix.
    /// `nil` when fewer than two pairable values exist or all pairable values are the same.
    public static func krippendorffAlpha<Value: Hashable>(_ units: [[Value?]]) -> Double? {
        var coincidences: [Value: [Value: Double]] = [:]
        for unit in units {
            let values = unit.compactMap { $0 }
            let m = Double(values.count)
            guard m >= 2 else { continue }
            for i in values.indices {
                for j in values.indices where i != j {
                    coincidences[values[i], default: [:]][values[j], default: 0] += 1 / (m - 1)
                }
            }
        }
        var totals: [Value: Double] = [:]
        var observedDisagreement = 0.0
        for (c, row) in coincidences {
            for (k, count) in row {
                totals[c, default: 0] += count
                if c != k { observedDisagreement += count }
            }
        }
        let n = totals.values.reduce(0, +)
        guard n >= 2 else { return nil }
        let sumSquares = totals.values.reduce(0.0) { $0 + $1 * $1 }
        let expectedDisagreement = n * n - sumSquares
        guard expectedDisagreement > 0 else { return nil }
        return 1 - (n - 1) * observedDisagreement / expectedDisagreement
    }
}

/// Agreement on one theme among the coders of a set of units (free texts).
///
/// A coder *coded a unit* when they made at least one coding in force on it (with any theme);
/// for the theme, their value on that unit is 1 if they applied the theme, else 0. Coders who did
/// not code a unit give no value for it (missing).
public struct ThemeAgreement: Sendable, Hashable {
    /// Units coded by at least two coders: the overlap on which agreement is measured.
    public let overlap: Int
    /// The coders who coded at least one unit.
    public let coders: Int
    /// Cohen's kappa when exactly two coders coded; over the units both coded. `nil` otherwise or
    /// when undefined (no variation).
    public let kappa: Double?
    /// Krippendorff's alpha (nominal) over every unit with two or more coders; `nil` when undefined.
    public let alpha: Double?

    /// Measures agreement from, per unit, the coders who coded it and those who applied the theme.
    public init<Coder: Hashable>(units: [(coders: Set<Coder>, applied: Set<Coder>)]) {
        let allCoders = units.reduce(into: Set<Coder>()) { $0.formUnion($1.coders) }
        let order = Array(allCoders)
        coders = order.count
        overlap = units.filter { $0.coders.count >= 2 }.count
        alpha = Agreement.krippendorffAlpha(units.map { unit in
            order.map { coder in unit.coders.contains(coder) ? (unit.applied.contains(coder) ? 1 : 0) : nil as Int? }
        })
        if order.count == 2 {
            let pairs = units.filter { $0.coders.count == 2 }.map { unit in
                (unit.applied.contains(order[0]) ? 1 : 0, unit.applied.contains(order[1]) ? 1 : 0)
            }
            kappa = Agreement.cohensKappa(pairs)
        } else {
            kappa = nil
        }
    }
}

extension ThemeAgreement {
    /// Agreement for each of `themes` from every coding in force: which coder applied which theme
    /// to which unit. The units are the texts someone coded; a theme nobody applied still gets
    /// its figures (all zeros: undefined unless other themes made coders differ on it).
    public static func perTheme<Unit: Hashable, Coder: Hashable, Theme: Hashable>(
        _ codings: [(unit: Unit, coder: Coder, theme: Theme)], themes: [Theme]
    ) -> [Theme: ThemeAgreement] {
        var coders: [Unit: Set<Coder>] = [:]
        var applied: [Theme: [Unit: Set<Coder>]] = [:]
        for coding in codings {
            coders[coding.unit, default: []].insert(coding.coder)
            applied[coding.theme, default: [:]][coding.unit, default: []].insert(coding.coder)
        }
        var result: [Theme: ThemeAgreement] = [:]
        for theme in themes {
            let byUnit = applied[theme] ?? [:]
            result[theme] = ThemeAgreement(units: coders.map { unit, who in (coders: who, applied: byUnit[unit] ?? []) })
        }
        return result
    }
}
