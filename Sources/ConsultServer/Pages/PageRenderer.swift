import ConsultCore
import Foundation
import Synchronization
import Hummingbird
import Mustache

/// Renders the HTML pages from the Mustache templates in the module's resources.
///
/// Every template fills the `layout` parent, which holds the page frame, the sign-in state
/// and the anti-forgery token of the sign-out form. `{{…}}` escapes HTML, so user text is
/// never emitted raw.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every `.mustache` file of the module's `templates` folder.
    public static func load() throws -> PageRenderer {
        guard let folder = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "templates"])
        }
        var library = MustacheLibrary()
        MustacheContentTypes.register(HTMLBytesContentType(), named: HTMLBytesContentType.name)
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        for file in files where file.pathExtension == "mustache" {
            let text = try String(contentsOf: file, encoding: .utf8)
            // Every template (partials and the layout too: each starts with HTML again) escapes
            // with HTMLBytesContentType; a pragma alone on its line adds nothing to the output.
            try library.register(
                "{{% CONTENT_TYPE: \(HTMLBytesContentType.name)}}\n" + text, named: file.deletingPathExtension().lastPathComponent)
        }
        return PageRenderer(library: library)
    }

    /// The page `template` filled with `view`, as a complete HTML response.
    func render(_ template: String, _ view: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(view, withTemplate: template) ?? "<!doctype html><title>Error</title><p>The page could not be shown.</p>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Dates and durations as pages show them.
enum PageDates {
    /// "10 November 2025, 18:00 (Europe/Vienna, UTC+01:00)": the local time, its zone and offset.
    static func local(_ date: Date, in zone: TimeZone) -> String {
        let minutes = zone.secondsFromGMT(for: date) / 60
        let offset = (minutes < 0 ? "-" : "+") + String(format: "%02d:%02d", abs(minutes) / 60, abs(minutes) % 60)
        return "\(format(date, "d MMMM yyyy, HH:mm", in: zone)) (\(zone.identifier), UTC\(offset))"
    }

    /// "10 November 2025, 17:00 UTC".
    static func utc(_ date: Date) -> String {
        "\(format(date, "d MMMM yyyy, HH:mm:ss", in: TimeZone(identifier: "UTC") ?? .gmt)) UTC"
    }

    /// The formatters made so far, by pattern and zone: making one costs more than rendering a page.
    private static let formatters = Mutex<[String: DateFormatter]>([:])

    private static func format(_ date: Date, _ pattern: String, in zone: TimeZone) -> String {
        formatters.withLock { formatters in
            let key = pattern + "|" + zone.identifier
            if let formatter = formatters[key] { return formatter.string(from: date) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_GB")
            formatter.timeZone = zone
            formatter.dateFormat = pattern
            formatters[key] = formatter
            return formatter.string(from: date)
        }
    }

    /// "2 days 3 hours", "5 hours 12 minutes", "40 seconds": how long until `date`.
    static func remaining(until date: Date, from now: Date) -> String {
        let seconds = max(0, Int(date.timeIntervalSince(now)))
        let days = seconds / 86_400, hours = seconds % 86_400 / 3600, minutes = seconds % 3600 / 60
        func unit(_ value: Int, _ name: String) -> String { "\(value) \(name)\(value == 1 ? "" : "s")" }
        if days > 0 { return unit(days, "day") + " " + unit(hours, "hour") }
        if hours > 0 { return unit(hours, "hour") + " " + unit(minutes, "minute") }
        if minutes > 0 { return unit(minutes, "minute") }
        return unit(seconds, "second")
    }

    /// The deadline's view members: local and UTC text, ISO instant, and a countdown in the last 48 hours.
    static func deadline(_ window: SurveyWindow, zone: TimeZone, now: Date) -> [String: Any] {
        var members: [String: Any] = [
            "closesLocal": local(window.closesAt, in: zone), "closesUTC": utc(window.closesAt),
            "closesISO": Instant.utcText(window.closesAt), "opensLocal": local(window.opensAt, in: zone),
            "opensUTC": utc(window.opensAt),
        ]
        let status = window.status(at: now)
        members["isOpen"] = status == .open
        members["isClosed"] = status == .closed
        members["isUpcoming"] = status == .upcoming
        members["status"] = status.rawValue
        if status == .open, window.closesAt.timeIntervalSince(now) <= 48 * 3600 {
            members["countdown"] = remaining(until: window.closesAt, from: now)
        }
        return members
    }
}
