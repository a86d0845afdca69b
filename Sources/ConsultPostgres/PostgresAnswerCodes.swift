import ConsultCore
import ConsultStore
import PostgresNIO

extension PostgresStore {
    /// Registers every id an answer to `surveys` can store in `answer_code`, in its own committed
    /// statement, once per survey and node: before a survey's first submission on this node is stored.
    func registerCodes(of surveys: [Survey]) async throws {
        let uncovered = surveys.filter { survey in !coveredSurveys.withLock { $0.contains(survey.id.rawValue) } }
        guard !uncovered.isEmpty else { return }
        let codes = uncovered.reduce(into: Set<String>()) { $0.formUnion(AnswerCodeBook.possibleCodes(of: $1)) }.sorted()
        try await reading { connection in
            // Sorted, so that two nodes registering at once take the unique index's locks in one order.
            try await connection.run(
                "INSERT INTO answer_code (code) SELECT unnest(\(codes)::text[]) ON CONFLICT (code) DO NOTHING", logger: logger)
        }
        coveredSurveys.withLock { covered in covered.formUnion(uncovered.map(\.id.rawValue)) }
    }
}

/// An answer value whose id has no number in `answer_code` (stored without its survey registered first).
struct UnregisteredAnswerCode: Error, CustomStringConvertible {
    let code: String
    var description: String { "the answer id \(code) has no code in answer_code: the survey was not registered before storing" }
}
