import ConsultCore
import Foundation

/// Every submission's latest version, streamed in order of arrival for the exports. The calls
/// block the calling thread for the whole stream: run them off Swift's cooperative threads.
public protocol ResponseStreams: Sendable {
    /// Streams every submission's latest version, oldest first, inside one read transaction;
    /// `codes` gets the ids behind the values' codes first.
    func forEachResponse(
        survey: SurveyID, codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void
    ) throws
    /// Runs `body` inside one read transaction on `survey`'s responses, so that several passes see the same rows.
    func withResponseSnapshot<T>(survey: SurveyID, _ body: (any ResponseSnapshot) throws -> T) throws -> T
}

/// One survey's submissions as they stand at one moment: every read through it sees the same
/// rows, however many times it streams them (SPSS and Stata files measure their rows first).
public protocol ResponseSnapshot {
    /// The survey it reads.
    var survey: SurveyID { get }
    /// How many submissions the survey has in this snapshot.
    func count() throws -> Int
    /// Streams every submission's latest version, oldest first.
    func forEachResponse(codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void) throws
}
