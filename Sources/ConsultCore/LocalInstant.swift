import Foundation

/// Reads the instant an organizer types on the pages: a browser's `datetime-local` value
/// (`2025-11-17T18:00`, with no zone) is a local time in the survey's zone; every form
/// `Instant.parse` reads (with an offset or zone name) means what it says.
public enum LocalInstant {
    /// Parses `text`, refusing a local time that the zone skips or has twice (daylight-saving changes).
    public static func parse(_ text: String, in zone: TimeZone) throws(Instant.ParseError) -> Date {
        let pattern = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?/
        guard let match = text.wholeMatch(of: pattern) else { return try Instant.parse(text) }
        let (_, year, month, day, hour, minute, second, fraction) = match.output
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(secondsFromGMT: 0) ?? .gmt
        var components = DateComponents()
        (components.year, components.month, components.day) = (Int(year), Int(month), Int(day))
        (components.hour, components.minute) = (Int(hour), Int(minute))
        components.second = second.flatMap { Int($0) } ?? 0
        // The local time read as if it were UTC; the zone's offsets around it then say which instants show it.
        guard let asUTC = utc.date(from: components),
            case let back = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: asUTC),
            [back.year, back.month, back.day, back.hour, back.minute, back.second]
                == [components.year, components.month, components.day, components.hour, components.minute, components.second]
        else {
            throw Instant.ParseError(message: "\"\(text)\" is not a valid date and time")
        }
        let offsets = Set([-86_400.0, 86_400].map { zone.secondsFromGMT(for: asUTC.addingTimeInterval($0)) })
        let instants = offsets.map { asUTC.addingTimeInterval(-Double($0)) }
            .filter { zone.secondsFromGMT(for: $0) == Int(asUTC.timeIntervalSince($0)) }
            .sorted()
        let shown = "\(year)-\(month)-\(day) \(hour):\(minute)"
        guard let first = instants.first else {
            throw Instant.ParseError(
                message: "\(shown) does not exist in \(zone.identifier): the clocks skip it for daylight-saving time; "
                    + "choose another time")
        }
        guard instants.count == 1 else {
            throw Instant.ParseError(
                message: "\(shown) happens twice in \(zone.identifier) as the clocks go back (at "
                    + instants.map { "\(Instant.utcText($0).prefix(16)) UTC" }.joined(separator: " and ")
                    + "); choose another time")
        }
        return first.addingTimeInterval(fraction.map { Double("0." + $0) ?? 0 } ?? 0)
    }

    /// `2025-11-17T18:00` (with seconds only when they are not zero): `date` in `zone`, as a
    /// `datetime-local` control shows it.
    public static func controlValue(_ date: Date, in zone: TimeZone) -> String {
        let local = Instant.localText(date, in: zone)  // 2025-11-17T18:00:00.000+01:00
        let seconds = local.dropFirst(17).prefix(2)
        return String(local.prefix(seconds == "00" ? 16 : 19))
    }
}
