import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

/// The raw exports' stream of every submission's latest version, read in one snapshot through a
/// cursor (see `PostgresBlocking.swift`): the export writes rows as they arrive, memory stays flat.
extension PostgresStore: ResponseStreams {
    public func forEachResponse(
        survey: SurveyID, codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void
    ) throws {
        try blockingSnapshot { session in
            try PostgresResponseSnapshot(session: session, survey: survey).forEachResponse(codes: codes, body)
        }
    }

    public func withResponseSnapshot<T>(survey: SurveyID, _ body: (any ResponseSnapshot) throws -> T) throws -> T {
        try blockingSnapshot { session in try body(PostgresResponseSnapshot(session: session, survey: survey)) }
    }
}

/// One survey's submissions in one `REPEATABLE READ` snapshot, streamed as often as the export needs.
struct PostgresResponseSnapshot: ResponseSnapshot {
    let session: PostgresBlockingSession
    let survey: SurveyID

    func count() throws -> Int {
        try session.first("SELECT count(*) FROM submission WHERE survey_id = \(survey.rawValue)", as: Int.self) ?? 0
    }

    func forEachResponse(codes: (AnswerCodes) throws -> Void, _ body: (ResponseRow) throws -> Void) throws {
        var numbers: [String: Int64] = [:]
        try session.forEach("SELECT id, code FROM answer_code") { row in
            let (number, code) = try row.decode((Int64, String).self)
            numbers[code] = number
        }
        try codes(AnswerCodes(ids: Dictionary(uniqueKeysWithValues: numbers.map { ($1, $0) })))
        func number(_ code: String) throws -> Int64 {
            guard let number = numbers[code] else { throw UnregisteredAnswerCode(code: code) }
            return number
        }
        // One row per answer value (or one for a submission without any), the submission's columns repeated:
        // they are decoded once per submission.
        var current: (seq: Int64, row: PostgresRandomAccessRow)?
        var values: [CodedValue] = []
        func finish() throws {
            guard let (_, row) = current else { return }
            try body(ResponseRow(
                submissionID: try row[1].decode(String.self), receivedAt: Date(milliseconds: try row[2].decode(Int64.self)),
                updatedAt: Date(milliseconds: try row[3].decode(Int64.self)), version: try row[4].decode(Int.self),
                declaredSector: try row[5].decode(String.self),
                otherSectorText: try row[6].decode(Data?.self).map { String(decoding: $0, as: UTF8.self) },
                finalSector: try row[7].decode(String.self), country: try row[8].decode(String?.self),
                publication: PublicationChoice(stored: try row[9].decode(String.self)), level: try row[10].decode(String?.self),
                values: values, cluster: try row[11].decode(Int64?.self)))
            values.removeAll(keepingCapacity: true)
        }
        try session.forEach(
            """
            SELECT s.seq, s.id, s.received_at_ms, s.updated_at_ms, s.version, s.declared_sector, s.other_sector_text,
                s.final_sector, s.country, s.publication, s.level,
                (SELECT m.cluster_id FROM campaign_member m WHERE m.submission_seq = s.seq AND m.scope = ''),
                a.question, a.item, a.option, a.number, a.text
            FROM submission s LEFT JOIN answer_value a ON a.submission_seq = s.seq
            WHERE s.survey_id = \(survey.rawValue)
            ORDER BY s.seq, a.position
            """
        ) { raw in
            let row = raw.makeRandomAccess()
            let seq = try row[0].decode(Int64.self)
            if current?.seq != seq {
                try finish()
                current = (seq, row)
            }
            guard let question = try row[12].decode(String?.self) else { return }
            values.append(CodedValue(
                question: try number(question), item: try row[13].decode(String?.self).map(number),
                option: try row[14].decode(String?.self).map(number), number: try row[15].decode(Double?.self),
                text: try row[16].decode(Data?.self).map { String(decoding: $0, as: UTF8.self) }))
        }
        try finish()
    }
}
