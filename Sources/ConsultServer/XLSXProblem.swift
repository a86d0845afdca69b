import ConsultExport
import Hummingbird

extension Problem {
    /// An XLSX export too large for an Excel sheet (issue 17): 409, naming the CSV export to use instead.
    static func tooManyRowsForXLSX(_ refusal: XLSXRowLimitExceeded) -> Problem {
        var problem = Problem(
            "too-many-rows-for-xlsx", status: .conflict, title: "Too many rows for an Excel sheet",
            detail: refusal.description)
        problem.extensions["csv_export"] = .string(refusal.csvRoute)
        problem.extensions["row_limit"] = .number(Double(refusal.limit))
        return problem
    }

    /// Runs `produce`, turning an XLSX export's refusal into its problem.
    static func refusingOversizedXLSX<T>(_ produce: () async throws -> T) async throws -> T {
        do {
            return try await produce()
        } catch let refusal as XLSXRowLimitExceeded {
            throw Problem.tooManyRowsForXLSX(refusal)
        }
    }
}
