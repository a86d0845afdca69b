import ArgumentParser
import ConsultServer
import ConsultStore
import Foundation
import Hummingbird
import Logging

/// `consult serve`: the HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service.",
        discussion: """
            Loads and checks every survey in the surveys folder (an invalid one stops the start), opens \
            the database (creating and migrating it on first start) and serves the API. SIGINT or SIGTERM \
            stops accepting connections, lets requests in flight finish, and closes the database.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var surveys: SurveyFolderOptions
    @OptionGroup var deployment: DeploymentOptions

    @Option(help: "The address to listen on (env CONSULT_HOST).")
    var host: String = ProcessInfo.processInfo.environment["CONSULT_HOST"] ?? "127.0.0.1"

    @Option(help: "The port to listen on (env CONSULT_PORT).")
    var port: Int = ProcessInfo.processInfo.environment["CONSULT_PORT"].flatMap(Int.init) ?? 8080

    @Option(help: ArgumentHelp(
        "Requests that change data (submissions, drafts, forms, sign-ins) one client address may make per minute; 0 turns the limit off (env CONSULT_RATE_LIMIT).",
        valueName: "per-minute"))
    var rateLimit: Int = ProcessInfo.processInfo.environment["CONSULT_RATE_LIMIT"].flatMap(Int.init) ?? 600

    @Option(help: ArgumentHelp(
        "Open (not yet submitted) drafts one client address may hold over all surveys (env CONSULT_DRAFTS_PER_ADDRESS).",
        valueName: "count"))
    var draftsPerAddress: Int = ProcessInfo.processInfo.environment["CONSULT_DRAFTS_PER_ADDRESS"].flatMap(Int.init)
        ?? DraftLimits.standard.perClient

    @Option(help: ArgumentHelp(
        "Open drafts one survey may hold (env CONSULT_DRAFTS_PER_SURVEY).", valueName: "count"))
    var draftsPerSurvey: Int = ProcessInfo.processInfo.environment["CONSULT_DRAFTS_PER_SURVEY"].flatMap(Int.init)
        ?? DraftLimits.standard.perSurvey

    @Option(help: ArgumentHelp(
        "Seconds a client may take to send a request's header lines, from its first byte (env CONSULT_HEADER_TIMEOUT).",
        valueName: "seconds"))
    var headerTimeout: Int = ProcessInfo.processInfo.environment["CONSULT_HEADER_TIMEOUT"].flatMap(Int.init) ?? 10

    @Option(help: ArgumentHelp(
        "Seconds a client may take to send a request's body, after its header lines (env CONSULT_BODY_TIMEOUT).",
        valueName: "seconds"))
    var bodyTimeout: Int = ProcessInfo.processInfo.environment["CONSULT_BODY_TIMEOUT"].flatMap(Int.init) ?? 30

    @Option(help: ArgumentHelp(
        "Seconds an open connection may wait for a request before it is closed (env CONSULT_IDLE_TIMEOUT).",
        valueName: "seconds"))
    var idleTimeout: Int = ProcessInfo.processInfo.environment["CONSULT_IDLE_TIMEOUT"].flatMap(Int.init) ?? 15

    @Option(help: ArgumentHelp(
        "Connections served at once; more wait until one closes (env CONSULT_MAX_CONNECTIONS).", valueName: "count"))
    var maxConnections: Int = ProcessInfo.processInfo.environment["CONSULT_MAX_CONNECTIONS"].flatMap(Int.init) ?? 1000

    @Option(help: ArgumentHelp(
        "A PostgreSQL node's own folder for uploads while they arrive, emptied at start (env CONSULT_SPOOL); by default one per address and port in the temporary folder. An SQLite file keeps them beside itself.",
        valueName: "folder"))
    var spool: String? = ProcessInfo.processInfo.environment["CONSULT_SPOOL"]

    /// Where this node spools uploads on PostgreSQL: its own folder, since nodes share the database and
    /// each empties its spool at start. A port from the OS (0) is not known yet: the process names it then.
    var uploadSpool: URL {
        if let spool { return URL(fileURLWithPath: spool) }
        let node = port == 0 ? "pid\(ProcessInfo.processInfo.processIdentifier)" : "\(host)-\(port)"
        return FileManager.default.temporaryDirectory.appendingPathComponent(
            "consult-spool-" + node.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? String($0) : "_" }.joined())
    }

    // Reading room (search): for the ingest benchmark only, to measure what keeping the texts' index costs.
    @Flag(name: .customLong("benchmark-without-text-index"), help: .hidden)
    var withoutTextIndex = false

    // lang (issue 15): for the ingest benchmark only, to measure what guessing the texts' languages costs.
    @Flag(name: .customLong("benchmark-without-language"), help: .hidden)
    var withoutLanguage = false
    // Campaigns (dedup): for the ingest benchmark only, to measure what the campaign detector costs.
    @Flag(name: .customLong("benchmark-without-campaign-detection"), help: .hidden)
    var withoutCampaignDetection = false

    /// The connection limits the options ask for.
    var connectionLimits: ConnectionLimits {
        ConnectionLimits(
            headerTimeout: .seconds(headerTimeout), bodyTimeout: .seconds(bodyTimeout), idleTimeout: .seconds(idleTimeout),
            maxConnections: maxConnections)
    }

    func validate() throws {
        guard draftsPerAddress >= 1, draftsPerSurvey >= 1 else {
            throw ValidationError("--drafts-per-address and --drafts-per-survey must be at least 1.")
        }
        for (name, seconds) in [("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout)]
        where !(1...3600).contains(seconds) {
            throw ValidationError("\(name) must be between 1 and 3600 seconds.")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1.") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 (off) or a positive number of requests per minute.") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "consult")
        let loaded = try surveys.load()
        let database = try await self.database.open(
            openTextIndex: !withoutTextIndex, textLanguages: !withoutLanguage, uploadSpool: uploadSpool)
        try await database.registerAnswerCodes(of: loaded)
        let now = Date()
        for survey in loaded {
            logger.info("survey loaded", metadata: ["survey": "\(survey.id)", "summary": "\(survey.summary(at: now))"])
        }
        logger.info("database open", metadata: ["path": "\(self.database.redactedPath)"])
        var draftLimits = DraftLimits.standard
        draftLimits.perClient = draftsPerAddress
        draftLimits.perSurvey = draftsPerSurvey
        let consultation = Consultation(
            surveys: loaded, database: database, clock: SystemInstantSource(), draftLimits: draftLimits)
        let purged = try await database.purgeExpiredDrafts(of: loaded, at: consultation.clock.now(), limits: draftLimits)
        logger.info("expired drafts purged", metadata: ["count": "\(purged)"])
        let app = try buildApplication(
            consultation, address: ServerAddress(host: host, port: port), rateLimit: rateLimit,
            deployment: try deployment.settings(), connections: connectionLimits, logger: logger,
            campaignDetection: !withoutCampaignDetection)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let url = try deployment.settings().publicOrigin?.link("/") ?? "http://\(shownHost):\(port)/"
        logger.info("open the pages in a browser", metadata: ["url": "\(url)"])
        try await app.runService()
    }
}
