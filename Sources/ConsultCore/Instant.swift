import Foundation

/// Reads and writes the instants of survey definitions: a local date and time
/// with either a UTC offset (`2025-11-10T18:00:00+01:00`, `…Z`) or an IANA zone
/// name (`2025-11-10T18:00:00 Europe/Paris`).
public enum Instant {
    /// Why a text is not an instant, in words for the survey's author.
    public struct ParseError: Error, Hashable, Sendable {
        public let message: String
    }

    /// Parses `text`, refusing a time that does not say which zone it is in.
    public static func parse(_ text: String) throws(ParseError) -> Date {
        let pattern =
            /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}| +[A-Za-z][A-Za-z0-9_+\-\/]*)?/
        guard let match = text.wholeMatch(of: pattern) else {
            throw ParseError(
                message: "\"\(text)\" is not a date and time; write e.g. 2025-11-10T18:00:00+01:00 "
                    + "or 2025-11-10T18:00:00 Europe/Vienna")
        }
        let (_, year, month, day, hour, minute, second, fraction, zoneText) = match.output
        guard let zoneText else {
            throw ParseError(
                message: "\"\(text)\" has no UTC offset or time-zone name; write e.g. \(text)+01:00 "
                    + "or \(text) Europe/Vienna")
        }
        var components = DateComponents()
        components.year = Int(year)
        components.month = Int(month)
        components.day = Int(day)
        components.hour = Int(hour)
        components.minute = Int(minute)
        components.second = second.flatMap { Int($0) } ?? 0
        let zone = try timeZone(String(zoneText), in: text)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: components) else {
            throw ParseError(message: "\"\(text)\" is not a valid date and time")
        }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == components.year, back.month == components.month, back.day == components.day
        else {
            throw ParseError(message: "\"\(text)\" names a day that does not exist")
        }
        guard back.hour == components.hour, back.minute == components.minute,
            back.second == components.second
        else {
            throw ParseError(
                message: "\"\(text)\" is not a valid time: it does not exist in \(zone.identifier) "
                    + "(hours past 23, or skipped by a daylight-saving change)")
        }
        let fractionSeconds = fraction.map { Double("0." + $0) ?? 0 } ?? 0
        return date.addingTimeInterval(fractionSeconds)
    }

    /// `2025-11-10T17:00:00.000Z`: always three fractional digits, so that instants sort as text.
    /// Computed with integer arithmetic (exports write two per row), as the calendar would.
    public static func utcText(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, dayMillis) = totalMillis.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, millisOfDay) = dayMillis < 0 ? (days - 1, dayMillis + 86_400_000) : (days, dayMillis)
        // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let seconds = Int(millisOfDay / 1000), millis = Int(millisOfDay % 1000)
        let result = "\(pad(Int(year), to: 4))-\(pad(Int(month), to: 2))-\(pad(Int(dayOfMonth), to: 2))T"
            + "\(pad(seconds / 3600, to: 2)):\(pad(seconds % 3600 / 60, to: 2)):\(pad(seconds % 60, to: 2))"
        return result + "." + pad(millis, to: 3) + "Z"
    }

    /// `2025-11-10T18:00:00.000+01:00`: the local time in `zone`, to the millisecond, with its offset at that instant.
    public static func localText(_ date: Date, in zone: TimeZone) -> String {
        text(date, in: zone, offsetStyle: .numeric)
    }

    private enum OffsetStyle { case zulu, numeric }

    private static func text(_ date: Date, in zone: TimeZone, offsetStyle: OffsetStyle) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let wholeSeconds = date.timeIntervalSinceReferenceDate.rounded(.down)
        let whole = Date(timeIntervalSinceReferenceDate: wholeSeconds)
        let millis = Int(((date.timeIntervalSinceReferenceDate - wholeSeconds) * 1000).rounded())
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        func two(_ value: Int?) -> String { pad(value ?? 0, to: 2) }
        var result = "\(pad(c.year ?? 0, to: 4))-\(two(c.month))-\(two(c.day))T"
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
        result += "." + pad(min(millis, 999), to: 3)
        let offset = zone.secondsFromGMT(for: date)
        if offsetStyle == .zulu && offset == 0 { return result + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return result + "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    private static func pad(_ value: Int, to width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func timeZone(_ zoneText: String, in text: String) throws(ParseError) -> TimeZone {
        let trimmed = zoneText.trimmingCharacters(in: .whitespaces)
        if trimmed == "Z" { return TimeZone(secondsFromGMT: 0) ?? .gmt }
        if let sign = trimmed.first, sign == "+" || sign == "-" {
            let parts = trimmed.dropFirst().split(separator: ":")
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
                hours <= 18, minutes < 60,
                let zone = TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
            else {
                throw ParseError(message: "\"\(text)\" has an impossible UTC offset \(trimmed)")
            }
            return zone
        }
        guard let zone = namedZone(trimmed) else {
            throw ParseError(message: "\"\(text)\" names an unknown time zone \"\(trimmed)\"; use an IANA name such as Europe/Vienna")
        }
        return zone
    }

    /// The IANA zone of that name; abbreviations such as "CET" are refused as ambiguous.
    public static func namedZone(_ name: String) -> TimeZone? {
        guard name.contains("/") || name == "UTC" else { return nil }
        return TimeZone(identifier: name)
    }

}
