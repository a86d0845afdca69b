import ArgumentParser
import ConsultStore
import Foundation

/// `consult receipt …`: checks receipts given to respondents.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Check submission receipts.", subcommands: [ReceiptVerifyCommand.self])
}

/// `consult receipt verify FILE`
struct ReceiptVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Say whether a receipt (a JSON file) was signed by this server and is unchanged; exits 1 if not.")

    @Argument(help: "The receipt, as JSON.") var file: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("Cannot read \(file).")
        }
        let receipt: Receipt
        do {
            receipt = try JSONDecoder().decode(Receipt.self, from: data)
        } catch {
            throw ValidationError("\(file) is not a receipt: \(error)")
        }
        let database = try await self.database.open()
        defer { try? database.close() }
        if let problem = database.receipts.problem(with: receipt) {
            print("\(file): invalid — \(problem)")
            throw ExitCode.failure
        }
        print("\(file): valid — submission \(receipt.submissionID) version \(receipt.version) to \(receipt.surveyID), "
            + "received \(receipt.receivedAt)")
    }
}
