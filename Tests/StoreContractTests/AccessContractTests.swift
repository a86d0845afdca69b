import ConsultCore
import ConsultStore
import Foundation
import Testing

/// Drafts, role tokens, sessions, the audit log and the service keys, on every engine, with two
/// nodes on one database.
@Suite struct AccessContractTests {
    let survey = ContractSurvey.survey
    let now = ContractSurvey.whileOpen

    @Test(arguments: Engine.all)
    func aDraftStartedOnOneNodeResumesAndSubmitsOnTheOther(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let limits = DraftLimits.standard
            let partial = try ContractSurvey.survey.check(["sector": .string("academia")], as: .draft)
            let (id, token) = try await a.createDraft(for: survey.id, answers: partial, at: now, client: "client-1", limits: limits)
            #expect(try await b.draft(id: id, token: token).answersJSON == partial.canonicalText)
            #expect(try await b.openDraftCount(survey: survey.id) == 1)
            let full = try ContractSurvey.answers()
            _ = try await b.updateDraft(id: id, token: token, answers: full, at: now.addingTimeInterval(10))
            #expect(try await a.draft(id: id, token: token).answersJSON == full.canonicalText)

            let rotated = try await a.rotateResumeToken(id: id, token: token, at: now.addingTimeInterval(20))
            await #expect(throws: DraftFailure.self) { try await b.draft(id: id, token: token) }
            let submitted = try await b.submitDraft(
                id: id, token: rotated, answers: full, survey: survey, receivedAt: now.addingTimeInterval(30), replacing: nil,
                fileOwner: nil, client: "client-1"
            ).accepted()
            #expect(try await a.draft(id: id, token: rotated).submittedAs == submitted.id)
            #expect(try await a.openDraftCount(survey: survey.id) == 0)
            #expect(try await a.submissionCount(survey: survey.id) == 1)
            await #expect(throws: DraftFailure.self) {
                try await a.submitDraft(
                    id: id, token: rotated, answers: full, survey: survey, receivedAt: now.addingTimeInterval(40), replacing: nil,
                    fileOwner: nil, client: "client-1")
            }
        }
    }

    @Test(arguments: Engine.all)
    func theDraftCapCountsDraftsOfEveryNode(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let limits = DraftLimits(perSurvey: 100, perClient: 2, untouchedLifetime: 86_400, afterDeadline: 86_400)
            let empty = try ContractSurvey.survey.check([:], as: .draft)
            _ = try await a.createDraft(for: survey.id, answers: empty, at: now, client: "client-1", limits: limits)
            _ = try await b.createDraft(for: survey.id, answers: empty, at: now, client: "client-1", limits: limits)
            await #expect(throws: DraftFailure.self) {
                try await a.createDraft(for: survey.id, answers: empty, at: now, client: "client-1", limits: limits)
            }
            _ = try await b.createDraft(for: survey.id, answers: empty, at: now, client: "client-2", limits: limits)
            #expect(try await a.storedDraftCount() == 3)
            // Untouched for longer than their lifetime: every node's drafts go.
            #expect(try await b.purgeExpiredDrafts(of: [survey], at: now.addingTimeInterval(86_401), limits: limits) == 3)
            #expect(try await a.storedDraftCount() == 0)
        }
    }

    @Test(arguments: Engine.all)
    func aTokenIssuedOnOneNodeIsAcceptedAndRevokedOnTheOther(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            let (token, record) = try await a.issueToken(
                role: .analyst, name: "Ana", expiresAt: now.addingTimeInterval(86_400), by: "cli:contract", at: now)
            guard case .success(let principal) = try await b.principal(forToken: token, at: now) else {
                throw ContractFailure("the token is not accepted on the other node")
            }
            #expect(principal.role == .analyst && principal.name == "Ana")
            #expect(try await b.roleTokens().map(\.id) == [record.id])
            guard case .success(let (session, _)) = try await b.signIn(token: token, at: now) else {
                throw ContractFailure("no sign-in with the token")
            }
            #expect(try await a.staffPrincipal(session: session, at: now)?.name == "Ana")
            #expect(try await a.staffPrincipal(session: session, at: now.addingTimeInterval(StaffSession.lifetime + 1)) == nil)

            _ = try await b.revokeToken(id: record.id, by: "cli:contract", reason: "left the team", at: now.addingTimeInterval(60))
            guard case .failure(.revoked) = try await a.principal(forToken: token, at: now.addingTimeInterval(61)) else {
                throw ContractFailure("a revoked token is still accepted")
            }
            #expect(try await a.staffPrincipal(session: session, at: now.addingTimeInterval(61)) == nil)
            guard case .failure(.unknown) = try await a.principal(forToken: "not-a-token", at: now) else {
                throw ContractFailure("an unknown token is accepted")
            }
            guard case .failure(.expired) = try await b.principal(forToken: try await a.issueToken(
                role: .organizer, name: "Olu", expiresAt: now.addingTimeInterval(1), by: "cli:contract", at: now).token,
                at: now.addingTimeInterval(2))
            else { throw ContractFailure("an expired token is accepted") }

            try await b.recordExportDownload(of: survey.id.rawValue, export: "responses.csv", by: principal.actor, at: now)
            // In the order written, whichever node wrote it.
            let log = try await a.auditLog(survey: nil)
            #expect(log.map(\.action).filter { $0 != "session.signed-in" }
                == ["token.created", "token.revoked", "token.created", AuditRecord.exportDownloadedAction])
            #expect(try await b.auditLog(survey: survey.id.rawValue).map(\.action) == [AuditRecord.exportDownloadedAction])
        }
    }

    @Test(arguments: Engine.all)
    func everyNodeSignsAndKeysWithTheSameSecrets(engine: Engine) async throws {
        try await engine.withTwoNodes { a, b in
            #expect(a.receipts.keyID == b.receipts.keyID)
            #expect(b.formTokens.accepts(a.formTokens.token(forSession: "session-1"), forSession: "session-1"))
            #expect(!b.formTokens.accepts(a.formTokens.token(forSession: "session-1"), forSession: "session-2"))
            #expect(a.pseudonyms.pseudonym(for: "submission-1") == b.pseudonyms.pseudonym(for: "submission-1"))
            #expect(a.clientKeys.key("192.0.2.1", survey: "s") == b.clientKeys.key("192.0.2.1", survey: "s"))
            let answer = try await a.ping()
            #expect(answer == "ok")
        }
    }
}
