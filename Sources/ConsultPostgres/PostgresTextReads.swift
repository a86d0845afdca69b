import ConsultCore
import ConsultStore
import Foundation
import PostgresNIO

// issue 18: the reading room's synchronous reads on PostgreSQL (export writers, on threads of their own).

/// Streams the free texts of several questions in submission order, as ``SQLiteOpenTextScan``: one
/// query through a server-side cursor (bounded memory) in one snapshot, ordered by submission, then by
/// the order of the sources, then by the value's position.
struct PostgresOpenTextScan: OpenTextScan {
    let store: PostgresStore

    func forEachText(survey: SurveyID, sources: [OpenTextSource], _ body: (ScannedOpenText) throws -> Void) throws {
        let chosen = sources.enumerated().filter { !$0.element.publications.isEmpty }
        guard !chosen.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(survey.rawValue)
        var values: [String] = []
        for (index, source) in chosen {
            binds.append(source.question.rawValue)
            binds.append(Int64(index))
            binds.append(source.publications.map(\.rawValue))
            values.append("($\(binds.count - 2)::text, $\(binds.count - 1)::bigint, $\(binds.count)::text[])")
        }
        try store.blockingSnapshot { session in
            try session.forEach(PostgresQuery(
                unsafeSQL: """
                    SELECT a.submission_seq, s.id, s.final_sector, s.publication, a.text, q.index
                    FROM answer_value a JOIN submission s ON s.seq = a.submission_seq
                    JOIN (VALUES \(values.joined(separator: ", "))) AS q (question, index, publications)
                        ON q.question = a.question AND s.publication = ANY(q.publications)
                    WHERE a.text IS NOT NULL AND s.survey_id = $1
                    ORDER BY a.submission_seq, q.index, a.position
                    """, binds: binds)
            ) { row in
                let (seq, id, sector, publication, text, index) = try row.decode((Int64, String, String, String, Data, Int).self)
                try body(ScannedOpenText(
                    question: index, seq: seq, submissionID: id, sector: sector, publication: PublicationChoice(stored: publication),
                    text: String(decoding: text, as: UTF8.self)))
            }
        }
    }
}

/// The languages of the open texts per sector, as ``SQLiteTextLanguageCounts`` (personal questions left out).
struct PostgresTextLanguageCounts: TextLanguageCounts {
    let store: PostgresStore

    func bySector(of survey: Survey) throws -> [LanguageSectorCount] {
        let personal = survey.questions.filter(\.isPersonal).map(\.id.rawValue)
        return try store.blockingSnapshot { session in
            try session.all(
                """
                SELECT s.final_sector, o.language, count(*), count(DISTINCT o.submission_seq)
                FROM submission s JOIN open_text o ON o.submission_seq = s.seq
                WHERE s.survey_id = \(survey.id.rawValue) AND NOT (o.question = ANY(\(personal)))
                GROUP BY s.final_sector, o.language
                """, as: (String, String, Int, Int).self
            ).map { LanguageSectorCount(sector: $0.0, language: $0.1, texts: $0.2, respondents: $0.3) }
        }
    }
}

/// A survey's coded texts read in one snapshot, as ``SQLiteCodedTexts``.
struct PostgresCodedTexts: CodedTexts {
    let store: PostgresStore

    func read<T>(survey: SurveyID, _ body: (any CodedTextsSnapshot) throws -> T) throws -> T {
        try store.blockingSnapshot { session in try body(PostgresCodedTextsSnapshot(session: session, survey: survey, store: store)) }
    }
}

/// One consistent read of a survey's codebook, coders and coded texts; valid only inside ``PostgresCodedTexts/read(survey:_:)``.
struct PostgresCodedTextsSnapshot: CodedTextsSnapshot {
    let session: PostgresBlockingSession
    let survey: SurveyID
    let store: PostgresStore

    func themes() throws -> [ThemeSummary] {
        PostgresThemeCounts.summaries(try session.all(PostgresThemeCounts.themesQuery(survey), as: PostgresThemeCounts.SummaryRow.self))
    }

    func coders() throws -> [CodingUser] {
        try session.all(
            """
            SELECT r.id, r.name FROM role_token r
            WHERE r.id IN (SELECT coder_id FROM coding WHERE survey_id = \(survey.rawValue) AND removed_at_ms IS NULL) ORDER BY r.id
            """, as: (Int64, String).self
        ).map { CodingUser(id: $0.0, name: $0.1) }
    }

    /// Every submission's latest version, oldest first, with its texts and codings in force: three
    /// cursors walked side by side in submission order, so memory stays flat.
    func forEachRespondent(_ body: (CodedRespondent) throws -> Void) throws {
        let range = """
            BETWEEN (SELECT min(seq) FROM submission WHERE survey_id = $1) AND (SELECT max(seq) FROM submission WHERE survey_id = $1)
            """
        let submissions = try PulledRows(session, name: "coded_submissions", sql: """
            SELECT seq, id, received_at_ms, final_sector, country, publication, level
            FROM submission WHERE survey_id = $1 ORDER BY seq
            """, survey: survey) { try $0.all($1, as: (Int64, String, Int64, String, String?, String, String?).self) }
        let texts = try PulledRows(session, name: "coded_texts", sql: """
            SELECT submission_seq, question, kind, text FROM open_text WHERE submission_seq \(range) ORDER BY submission_seq, id
            """, survey: survey) { session, fetch in
            try session.all(fetch, as: (Int64, String, String, Data).self).map { seq, question, kind, text in
                (seq, OpenTextField(storedQuestion: question, kind: kind), String(decoding: text, as: UTF8.self))
            }
        }
        let codings = try PulledRows(session, name: "coded_codings", sql: """
            SELECT c.submission_seq, c.guid, t.guid, c.question, c.kind, c.start_offset, c.end_offset, c.on_earlier_text,
                c.coder_id, c.coded_at_ms
            FROM coding c JOIN theme t ON t.id = c.theme_id
            WHERE c.survey_id = $1 AND c.removed_at_ms IS NULL AND c.submission_seq \(range)
            ORDER BY c.submission_seq, c.id
            """, survey: survey) { session, fetch in
            try session.all(fetch, as: (Int64, String, String, String, String, Int?, Int?, Bool, Int64, Int64).self).map { row in
                let (seq, guid, themeGUID, question, kind, start, end, earlier, coder, at) = row
                return (seq, OpenTextField(storedQuestion: question, kind: kind).map { field in
                    CodingInForce(
                        guid: guid, themeGUID: themeGUID, field: field, span: start.flatMap { start in end.map { start..<$0 } },
                        onEarlierText: earlier, coderID: coder, codedAt: Date(milliseconds: at))
                })
            }
        }
        while let row = try submissions.next() {
            let seq = row.0
            var fields: [OpenTextField: String] = [:]
            while let text = try texts.peek(), text.0 <= seq {
                if text.0 == seq, let field = text.1 { fields[field] = text.2 }
                _ = try texts.next()
            }
            var coded: [CodingInForce] = []
            while let coding = try codings.peek(), coding.0 <= seq {
                if coding.0 == seq, let value = coding.1 { coded.append(value) }
                _ = try codings.next()
            }
            try body(CodedRespondent(
                submissionID: row.1, receivedAt: Date(milliseconds: row.2), finalSector: row.3, country: row.4,
                publication: PublicationChoice(stored: row.5), level: row.6, texts: fields, codings: coded))
        }
        for cursor in [submissions.name, texts.name, codings.name] {
            try session.execute(PostgresQuery(unsafeSQL: "CLOSE \(cursor)"))
        }
    }
}

/// A server-side cursor read a batch at a time, for walking several side by side.
private final class PulledRows<Value> {
    let name: String
    private let session: PostgresBlockingSession
    private let fetch: (PostgresBlockingSession, PostgresQuery) throws -> [Value]
    private var batch: [Value] = []
    private var position = 0
    private var finished = false
    private static var size: Int { 1_000 }

    init(
        _ session: PostgresBlockingSession, name: String, sql: String, survey: SurveyID,
        fetch: @escaping (PostgresBlockingSession, PostgresQuery) throws -> [Value]
    ) throws {
        self.session = session
        self.name = name
        self.fetch = fetch
        var binds = PostgresBindings()
        binds.append(survey.rawValue)
        try session.execute(PostgresQuery(unsafeSQL: "DECLARE \(name) NO SCROLL CURSOR FOR \(sql)", binds: binds))
    }

    func peek() throws -> Value? {
        if position == batch.count, !finished {
            let rows = try fetch(session, PostgresQuery(unsafeSQL: "FETCH FORWARD \(Self.size) FROM \(name)"))
            (batch, position, finished) = (rows, 0, rows.count < Self.size)
        }
        return position < batch.count ? batch[position] : nil
    }

    func next() throws -> Value? {
        let value = try peek()
        if value != nil { position += 1 }
        return value
    }
}

extension PostgresStore {
    /// Free texts streamed in submission order, for the analysis.
    public var openTextScan: any OpenTextScan { PostgresOpenTextScan(store: self) }

    /// The languages of the open texts per sector.
    public var textLanguageCounts: any TextLanguageCounts { PostgresTextLanguageCounts(store: self) }

    /// The coded texts of surveys, for REFI-QDA projects.
    public var codedTexts: any CodedTexts { PostgresCodedTexts(store: self) }
}
