import ConsultCore
import ConsultExport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ConsultServer

/// The XLSX routes (issue 17): served to analysts as workbooks, refused to others, audited; a
/// workbook beyond Excel's rows becomes a 409 problem naming the CSV export.
@Suite struct XLSXExportAPITests {
    @Test func analystsDownloadBothWorkbooks() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let analyst = try await server.token(.analyst)
        try await server.run { client in
            #expect(try await client.submit(validAnswers).status == .created)
            let base = "/api/v1/surveys/consult-test"
            for file in ["analysis.xlsx", "responses.xlsx"] {
                #expect(try await client.send(.get, "\(base)/\(file)").status == .unauthorized, "\(file)")
                let response = try await client.executeRequest(
                    uri: "\(base)/\(file)", method: .get, headers: [.authorization: "Bearer \(analyst)"], body: nil)
                #expect(response.status == .ok, "\(file)")
                #expect(response.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"consult-test-\(file)\"")
                // A ZIP container, as every .xlsx file is.
                #expect(Data(buffer: response.body).prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]), "\(file)")
            }
        }
    }

    @Test func aWorkbookBeyondExcelsRowsIsAConflictNamingTheCSVExport() async throws {
        let refusal = XLSXRowLimitExceeded(
            survey: "consult-test", content: .raw, sheet: "responses", rows: 2_000_001, limit: XLSXLimits.excel.rows)
        await #expect(throws: Problem.self) {
            try await Problem.refusingOversizedXLSX { () async throws -> Int in throw refusal }
        }
        let problem = Problem.tooManyRowsForXLSX(refusal)
        #expect(problem.status == .conflict)
        #expect(problem.type == "/problems/too-many-rows-for-xlsx")
        #expect(problem.detail.contains("2000001 rows"))
        #expect(problem.detail.contains("--format csv"))
        #expect(problem.extensions["csv_export"] == JSONValue.string("/api/v1/surveys/consult-test/responses.csv"))
        #expect(problem.extensions["row_limit"] == JSONValue.number(1_048_576))
    }
}
