import ConsultStore
import Hummingbird

extension Problem {
    /// The problem for each way the store refuses a request (`path` is the request's): the one
    /// place where the store's refusals meet HTTP.
    init(_ refusal: any StoreRefusal, path: String) {
        switch refusal {
        case let failure as AccessFailure:
            switch failure {
            case .notFound: self = .notFound("There is nothing at \(path).")
            case .wrongToken: self = .unauthorized("The token does not open this resource.")
            }
        case let failure as DraftFailure:
            switch failure {
            case .notFound: self = .notFound("There is nothing at \(path).")
            case .wrongToken: self = .unauthorized("The token does not open this resource.")
            case .alreadySubmitted(let submission):
                self.init(
                    "draft-already-submitted", status: .conflict, title: "The draft was already submitted",
                    detail: "This draft became submission \(submission); edit that submission with its edit token instead.")
                extensions["submission_id"] = .string(submission)
            case .limitReached(let cap, let untouchedLifetime):
                self = .tooManyDrafts(cap, expiringAfterDays: Int(untouchedLifetime / 86_400))
            }
        case let refusal as DeadlineRefusal:
            self = .invalidField("closes_at", refusal.message)
        case let failure as TokenRevocationFailure:
            self.init("token-not-revoked", status: .conflict, title: "The token cannot be revoked", detail: failure.message)
        // Reading room (themes): the codebook's and the codings' refusals.
        case let refusal as ThemeRefusal:
            switch refusal {
            case .unknownTheme: self.init("unknown-theme", status: .notFound, title: "No such theme", detail: refusal.message)
            case .duplicateName:
                self.init("duplicate-theme", status: .conflict, title: "The theme's name is taken", detail: refusal.message)
            case .invalid(let field, let message):
                self.init("invalid-theme", status: .unprocessableContent, title: "The theme is not valid", detail: message)
                extensions["field"] = .string(field)
            case .inactive: self.init("theme-inactive", status: .conflict, title: "The theme is retired", detail: refusal.message)
            }
        case let refusal as CodingRefusal:
            switch refusal {
            case .unknownCoding: self.init("unknown-coding", status: .notFound, title: "No such coding", detail: refusal.message)
            case .alreadyRemoved, .textChanged:
                self.init("coding-conflict", status: .conflict, title: "The coding cannot be changed", detail: refusal.message)
            case .noCoder: self = .forbidden(refusal.message)
            }
        // refiqda: an imported codebook that breaks the themes' rules.
        case let refusal as CodebookImportRefusal:
            switch refusal.reason {
            case .invalid:
                self.init("invalid-codebook", status: .unprocessableContent, title: "The file is not a codebook consult can import",
                    detail: "Nothing was imported: \(refusal.message)")
            case .conflict:
                self.init("theme-name-taken", status: .conflict, title: "A theme of that name exists",
                    detail: "Nothing was imported: \(refusal.message)")
            }
        // Reading room (search): malformed queries, unknown themes, bulk codings.
        case let refusal as ReadingRoomRefusal:
            self.init(refusal)
        // Position papers: uploads beyond a question's files, and answers naming files not theirs.
        case let refusal as AttachmentRefusal:
            switch refusal {
            case .tooManyStaged:
                self.init("too-many-files", status: .unprocessableContent, title: "Too many files", detail: refusal.message)
            case .unknownFile(let question, let id):
                self.init("unknown-file", status: .unprocessableContent, title: "The answer names a file it cannot attach",
                    detail: refusal.message)
                extensions["question"] = .string(question)
                extensions["file"] = .string(id)
            case .bytesChanged:
                self.init("upload-changed", status: .conflict, title: "The upload changed", detail: refusal.message)
            }
        // campaigns: the review of look-alike clusters.
        case let refusal as CampaignRefusal:
            switch refusal {
            case .unknownCluster: self.init("unknown-cluster", status: .notFound, title: "No such cluster", detail: refusal.message)
            case .unknownMember:
                self.init("unknown-cluster-member", status: .notFound, title: "Not a member of the cluster", detail: refusal.message)
            case .invalid(let field, let message):
                self.init("invalid-review", status: .unprocessableContent, title: "The review is not valid", detail: message)
                extensions["field"] = .string(field)
            case .conflict:
                self.init("cluster-conflict", status: .conflict, title: "The cluster cannot be changed so", detail: refusal.message)
            case .noReviewer: self = .forbidden(refusal.message)
            }
        default:
            self.init(
                "refused", status: .badRequest, title: "The request was refused",
                detail: "\(path): the request was refused; nothing was changed.")
        }
    }

    /// A new draft beyond a cap on open drafts; nothing was stored.
    static func tooManyDrafts(_ cap: DraftCap, expiringAfterDays days: Int) -> Problem {
        let detail = switch cap {
        case .client(let limit):
            "This address already has \(limit) unfinished responses (drafts); nothing was stored. "
                + "Submit one of them, or wait until they expire (\(days) days after their last change)."
        case .survey(let limit):
            "This consultation already holds \(limit) unfinished responses (drafts), its maximum; "
                + "nothing was stored. Try again later: drafts expire \(days) days after their last change."
        }
        return Problem("too-many-drafts", status: .tooManyRequests, title: "Too many unfinished responses", detail: detail)
    }
}
