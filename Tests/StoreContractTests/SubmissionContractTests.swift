import ConsultCore
import ConsultStore
import Foundation
import Testing

/// The promises of storing submissions, on every engine, with two nodes on one database.
@Suite struct SubmissionContractTests {
    let survey = ContractSurvey.survey
    let now = ContractSurvey.whileOpen

    @Test(arguments: Engine.all)
    func aSubmissionIsStoredWholeAndReadBackOnTheOtherNode(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let answers = try ContractSurvey.answers()
            let accepted = try await a.submit(answers, to: survey, receivedAt: now, idempotency: nil, fileOwner: nil, client: nil)
                .accepted()
            let token = try #require(accepted.editToken)
            let stored = try await b.submission(id: accepted.id, token: token)
            #expect(stored.answersJSON == answers.canonicalText)
            #expect(stored.version == 1 && stored.finalSector == "academia" && stored.country == "BR")
            #expect(stored.receivedAt == now.truncatedToMilliseconds)
            #expect(try await b.receipt(ofSubmission: accepted.id, token: token) == accepted.receipt)
            #expect(b.receipts.problem(with: accepted.receipt) == nil)
            #expect(accepted.receipt.answersSHA256 == Receipt.answersHash(answers.canonicalText))
            await #expect(throws: AccessFailure.self) { try await b.submission(id: accepted.id, token: "not-the-token") }
            await #expect(throws: AccessFailure.self) { try await b.submission(id: "no-such-id", token: token) }
            #expect(try await b.surveyID(ofSubmission: accepted.id) == survey.id.rawValue)
            #expect(try await b.submissionCount(survey: survey.id) == 1)
            #expect(try await b.respondentsBySector(survey: survey.id) == ["academia": 1])
        }
    }

    @Test(arguments: Engine.all)
    func theDeadlineMovedOnOneNodeIsTheDeadlineOnTheOther(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let closes = survey.window.closesAt
            let answers = try ContractSurvey.answers()
            func submit(_ node: any ContractStore, at instant: Date) async throws -> SubmissionOutcome {
                try await node.submit(answers, to: survey, receivedAt: instant, idempotency: nil, fileOwner: nil, client: nil)
            }
            // The deadline is the last instant accepted, to the millisecond.
            _ = try await submit(a, at: closes).accepted()
            #expect(try await submit(b, at: closes.addingTimeInterval(0.001)).isRefusedAsLate)

            // Reopened through A for an hour: B judges by the new deadline at once.
            let previous = try await a.moveDeadline(
                of: survey, to: closes.addingTimeInterval(3600), actor: "organizer:contract", reason: "extension",
                at: closes.addingTimeInterval(1))
            #expect(previous == closes)
            #expect(try await b.window(of: survey).closesAt == closes.addingTimeInterval(3600))
            _ = try await submit(b, at: closes.addingTimeInterval(1800)).accepted()

            // Shortened through B: A refuses what comes after the new deadline.
            _ = try await b.moveDeadline(
                of: survey, to: closes.addingTimeInterval(2700), actor: "organizer:contract", reason: "shorter",
                at: closes.addingTimeInterval(2400))
            #expect(try await submit(a, at: closes.addingTimeInterval(2700.001)).isRefusedAsLate)
            _ = try await submit(a, at: closes.addingTimeInterval(2700)).accepted()

            let early = try await submit(b, at: survey.window.opensAt.addingTimeInterval(-0.001))
            guard case .refused(.upcoming, _, _) = early else { throw ContractFailure("not refused as early: \(early)") }
            #expect(try await a.refusedAttempts(survey: survey.id) == ["deadline-passed": 2, "not-yet-open": 1])
            #expect(try await b.submissionCount(survey: survey.id) == 3)
            let moves = try await a.auditLog(survey: survey.id.rawValue).filter { $0.action == "deadline.changed" }
            #expect(moves.map(\.reason) == ["extension", "shorter"])
        }
    }

    /// Submissions through both nodes around a deadline that one node moves meanwhile: each is
    /// judged once, by one deadline in force, and what is counted matches what is stored.
    @Test(arguments: Engine.all)
    func submissionsRacingADeadlineMoveAreEachJudgedOnce(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let closes = survey.window.closesAt
            let answers = try ContractSurvey.answers()
            let offsets = (0..<60).map { Double($0 - 30) / 1000 }  // -30 ms … +29 ms around the deadline
            let outcomes = try await withThrowingTaskGroup(of: (Double, SubmissionOutcome).self) { group in
                for (index, offset) in offsets.enumerated() {
                    let node = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        (offset, try await node.submit(
                            answers, to: survey, receivedAt: closes.addingTimeInterval(offset), idempotency: nil,
                            fileOwner: nil, client: nil))
                    }
                }
                group.addTask {
                    _ = try await a.moveDeadline(
                        of: survey, to: closes.addingTimeInterval(0.010), actor: "organizer:contract", reason: "ten ms more",
                        at: closes.addingTimeInterval(-1))
                    return (.nan, .idempotencyConflict)
                }
                var outcomes: [(Double, SubmissionOutcome)] = []
                for try await outcome in group where !outcome.0.isNaN { outcomes.append(outcome) }
                return outcomes
            }
            let accepted = outcomes.filter { if case .accepted = $0.1 { true } else { false } }
            let refused = outcomes.filter(\.1.isRefusedAsLate)
            #expect(accepted.count + refused.count == offsets.count)
            // Up to the old deadline always in, after the new one always out; between them, either.
            #expect(accepted.allSatisfy { $0.0 <= 0.010 })
            #expect(refused.allSatisfy { $0.0 > 0 })
            #expect(try await b.submissionCount(survey: survey.id) == accepted.count)
            #expect(try await a.refusedAttempts(survey: survey.id) == (refused.isEmpty ? [:] : ["deadline-passed": refused.count]))
            #expect(try await a.respondentsBySector(survey: survey.id) == ["academia": accepted.count])
        }
    }

    @Test(arguments: Engine.all)
    func anIdempotencyKeyStoresOneSubmissionAcrossNodes(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let answers = try ContractSurvey.answers()
            let request = IdempotentRequest(key: "retry-1", body: Data("body".utf8))
            let first = try await a.submit(answers, to: survey, receivedAt: now, idempotency: request, fileOwner: nil, client: nil)
                .accepted()
            let retried = try await b.submit(
                answers, to: survey, receivedAt: now.addingTimeInterval(5), idempotency: request, fileOwner: nil, client: nil
            ).accepted()
            #expect(retried == first)
            let other = IdempotentRequest(key: "retry-1", body: Data("another body".utf8))
            let conflict = try await b.submit(answers, to: survey, receivedAt: now, idempotency: other, fileOwner: nil, client: nil)
            guard case .idempotencyConflict = conflict else { throw ContractFailure("no conflict: \(conflict)") }

            // The same new key sent to both nodes at once: one submission, one reply.
            let racing = IdempotentRequest(key: "retry-2", body: Data("body".utf8))
            let replies = try await withThrowingTaskGroup(of: AcceptedSubmission.self) { group in
                for index in 0..<8 {
                    let node = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        try await node.submit(answers, to: survey, receivedAt: now, idempotency: racing, fileOwner: nil, client: nil)
                            .accepted()
                    }
                }
                return try await group.reduce(into: [AcceptedSubmission]()) { $0.append($1) }
            }
            #expect(Set(replies.map(\.id)).count == 1)
            #expect(try await a.submissionCount(survey: survey.id) == 2)
        }
    }

    @Test(arguments: Engine.all)
    func anEditOnTheOtherNodeReplacesTheAnswersAndMovesTheCounts(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let accepted = try await a.submit(
                try ContractSurvey.answers(sector: "academia"), to: survey, receivedAt: now, idempotency: nil, fileOwner: nil,
                client: nil
            ).accepted()
            let token = try #require(accepted.editToken)
            let edited = try ContractSurvey.answers(sector: "industry", familiarity: 2)
            let second = try await b.replaceAnswers(
                of: accepted.id, token: token, with: edited, survey: survey, receivedAt: now.addingTimeInterval(60), fileOwner: nil
            ).accepted()
            #expect(second.version == 2 && second.id == accepted.id)
            #expect(a.receipts.problem(with: second.receipt) == nil)
            let stored = try await a.submission(id: accepted.id, token: token)
            #expect(stored.version == 2 && stored.answersJSON == edited.canonicalText && stored.finalSector == "industry")
            #expect(try await a.receipt(ofSubmission: accepted.id, token: token) == second.receipt)
            #expect(try await a.respondentsBySector(survey: survey.id) == ["industry": 1])
            let late = try await a.replaceAnswers(
                of: accepted.id, token: token, with: edited, survey: survey, receivedAt: survey.window.closesAt.addingTimeInterval(0.001),
                fileOwner: nil)
            #expect(late.isRefusedAsLate)
            #expect(try await b.submission(id: accepted.id, token: token).version == 2)
        }
    }

    @Test(arguments: Engine.all)
    func aSectorReassignedOnOneNodeIsCountedAndAuditedOnTheOther(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let accepted = try await a.submit(
                try ContractSurvey.answers(sector: "academia"), to: survey, receivedAt: now, idempotency: nil, fileOwner: nil,
                client: nil
            ).accepted()
            let assignment = try await b.reassignSector(
                of: accepted.id, to: "civil_society", actor: "organizer:contract", reason: "a university NGO", at: now)
            #expect(assignment?.final == "civil_society" && assignment?.declared == "academia")
            #expect(try await a.respondentsBySector(survey: survey.id) == ["civil_society": 1])
            #expect(try await b.reassignSector(of: "no-such-id", to: "industry", actor: "organizer:contract", reason: "x", at: now) == nil)
            let audit = try await a.auditLog(survey: nil).filter { $0.action == "sector.reassigned" }
            #expect(audit.map(\.newValue) == ["civil_society"] && audit.map(\.oldValue) == ["academia"])
        }
    }
}
