import ConsultCore
import ConsultStore
import Foundation

/// An audit entry as an English sentence, e.g. "Ana Silva (organizer) moved the deadline from … to …
/// because “…”." It is made of pieces so that what people typed (names, values, reasons) stays
/// apart from the wording: the pages show those pieces isolated, through the `untrusted` partial.
struct AuditSentence {
    enum Piece: Hashable {
        /// consult's own wording.
        case words(String)
        /// Text someone typed or the log kept as given: shown isolated.
        case typed(String)
        /// An instant, shown in the survey's zone and in UTC.
        case time(Date)
    }

    let pieces: [Piece]

    /// The sentence for `entry`; `survey` names the sectors of a re-assignment.
    init(_ entry: AuditRecord, survey: Survey?) {
        var pieces = Self.actor(entry.actor)
        func add(_ more: Piece...) { pieces += more }
        switch entry.action {
        case "deadline.changed":
            add(.words(" moved the deadline from "), Self.instant(entry.oldValue), .words(" to "), Self.instant(entry.newValue))
        case "sector.reassigned":
            add(.words(" re-assigned submission "), .typed(entry.subject ?? "?"), .words(" from the sector "),
                Self.sector(entry.oldValue, survey), .words(" to "), Self.sector(entry.newValue, survey))
        case "token.created":
            add(.words(" created a token for "))
            pieces += Self.tokenHolder(entry.subject)
            if let expiry = entry.newValue, expiry.hasPrefix("expires ") {
                add(.words(", expiring "), Self.instant(String(expiry.dropFirst("expires ".count))))
            } else {
                add(.words(", without expiry"))
            }
        case "token.revoked":
            add(.words(" revoked the token of "))
            pieces += Self.tokenHolder(entry.subject)
        case "session.signed-in":
            add(.words(" signed in on the web"))
        case AuditRecord.exportDownloadedAction:
            add(.words(" downloaded "), .typed(entry.subject ?? "an export"))
        // Reading room (themes): the codebook and codings.
        case "theme.created": add(.words(" created the theme "), .typed(entry.newValue ?? "?"))
        case "theme.changed":
            add(.words(" changed the theme "), .typed(entry.oldValue ?? "?"), .words(" to "), .typed(entry.newValue ?? "?"))
        case "theme.merged": add(.words(" merged the theme "), .typed(entry.oldValue ?? "?"), .words(" "), .typed(entry.newValue ?? ""))
        case "theme.retired": add(.words(" retired the theme "), .typed(entry.oldValue ?? "?"))
        case "coding.added": add(.words(" coded "), .typed(entry.newValue ?? "?"))
        case "coding.removed": add(.words(" removed the coding "), .typed(entry.oldValue ?? "?"))
        // campaigns: the review of look-alike clusters.
        case "campaign.confirmed", "campaign.dismissed":
            let cluster = entry.subject.map { String($0.dropFirst("campaign-cluster:".count)) } ?? "?"
            add(.words(entry.action == "campaign.confirmed" ? " confirmed cluster " : " dismissed cluster "), .typed(cluster),
                .words(entry.action == "campaign.confirmed" ? " as a campaign" : " (not a campaign)"))
        case "campaign.split":
            let cluster = entry.subject.map { String($0.dropFirst("campaign-cluster:".count)) } ?? "?"
            add(.words(" split off from cluster "), .typed(cluster), .words(" into "), .typed(entry.newValue ?? "?"))
        case "campaign.member-moved":
            add(.words(" moved the member of "), .typed(entry.oldValue ?? "?"), .words(" to "), .typed(entry.newValue ?? "?"))
        default:
            add(.words(": "), .typed(entry.action))
            if let subject = entry.subject { add(.words(" of "), .typed(subject)) }
            if entry.oldValue != nil || entry.newValue != nil {
                add(.words(" from "), .typed(entry.oldValue ?? "nothing"), .words(" to "), .typed(entry.newValue ?? "nothing"))
            }
        }
        if let reason = entry.reason { add(.words(" because “"), .typed(reason), .words("”")) }
        add(.words("."))
        self.pieces = pieces
    }

    /// The view of the sentence for a template: each piece has `words` (text) and `typed`
    /// (an `untrusted` partial view, or false), so no lookup falls through to an enclosing view.
    func pageView(zone: TimeZone) -> [[String: Any]] {
        pieces.map { piece in
            switch piece {
            case .words(let words): ["words": words, "typed": false]
            case .typed(let text): ["words": "", "typed": UntrustedText.pageView(text)]
            case .time(let date): ["words": PageDates.localAndUTC(date, in: zone), "typed": false]
            }
        }
    }

    /// "Olga Organizer (organizer)" for `organizer:Olga Organizer`, "root (command line)" for `cli:root`.
    static func actor(_ actor: String) -> [Piece] {
        guard let colon = actor.firstIndex(of: ":") else { return [.typed(actor)] }
        let kind = actor[..<colon], name = String(actor[actor.index(after: colon)...])
        if let role = Role(rawValue: String(kind)) { return [.typed(name), .words(" (\(role.rawValue))")] }
        if kind == "cli" { return [.typed(name), .words(" (command line)")] }
        return [.typed(actor)]
    }

    /// A token's holder as the log names it, `analyst:Bo (tk-3f9a0c1b2d)`: "Bo (analyst, tk-3f9a0c1b2d)".
    private static func tokenHolder(_ subject: String?) -> [Piece] {
        guard let subject else { return [.words("someone")] }
        guard let match = subject.wholeMatch(of: /(organizer|analyst):(.*) \((tk-[0-9a-f]+)\)/) else { return [.typed(subject)] }
        return [.typed(String(match.output.2)), .words(" (\(match.output.1), \(match.output.3))")]
    }

    private static func instant(_ text: String?) -> Piece {
        guard let text else { return .words("none") }
        return (try? Instant.parse(text)).map(Piece.time) ?? .typed(text)
    }

    private static func sector(_ id: String?, _ survey: Survey?) -> Piece {
        guard let id else { return .words("none") }
        if let label = survey?.sector(SectorID(id))?.label { return .typed(label) }
        return id == RespondentProfile.unclassified.rawValue ? .words("Unclassified") : .typed(id)
    }
}

extension PageDates {
    /// "17 November 2025, 18:00 (Europe/Vienna, UTC+01:00) = 17:00:00 UTC", with the UTC date too
    /// when it is another day.
    static func localAndUTC(_ date: Date, in zone: TimeZone) -> String {
        let utcText = Instant.utcText(date)
        let sameDay = Instant.localText(date, in: zone).prefix(10) == utcText.prefix(10)
        return "\(local(date, in: zone)) = " + (sameDay ? "\(utcText.dropFirst(11).prefix(8)) UTC" : utc(date))
    }
}
