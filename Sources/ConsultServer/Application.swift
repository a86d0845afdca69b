import ConsultCore
import ConsultStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TextExtraction

/// Where the server listens.
public struct ServerAddress: Sendable {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The router with every API route and web page. Errors become problem responses on the
/// API and readable pages in the browser; every response carries the security headers.
///
/// `rateLimit` bounds the state-changing requests per minute of one client address (0: no limit);
/// `deployment` gives the public URL of the links and the proxies trusted to name the client.
public func buildRouter(
    _ consultation: Consultation, rateLimit: Int = 0, deployment: Deployment = Deployment()
) throws -> Router<ConsultRequestContext> {
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "openapi.json"])
    }
    let openAPIDocument = ByteBuffer(data: try Data(contentsOf: url))
    let renderer = try PageRenderer.load()
    let router = Router(context: ConsultRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: PageErrorMiddleware(renderer: renderer))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: DeploymentMiddleware(deployment: deployment))
    router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(perMinute: rateLimit), clock: consultation.clock))
    PublicController(consultation: consultation, openAPIDocument: openAPIDocument).addRoutes(to: router)
    SubmissionController(consultation: consultation).addRoutes(to: router)
    DraftController(consultation: consultation).addRoutes(to: router)
    OrganizerController(consultation: consultation).addRoutes(to: router)
    AnalystController(consultation: consultation).addRoutes(to: router)
    try AssetController.load().addRoutes(to: router)
    RespondentPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    SignInPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    OrganizerPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    AnalystPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    // Reading room (themes): codebook, codings, whole submissions, agreement.
    ReadingRoomController(consultation: consultation).addRoutes(to: router)
    ReadingRoomPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    // refiqda: REFI-QDA project and codebook files.
    REFIQDAController(consultation: consultation).addRoutes(to: router)
    // Reading room (search): the texts' search, bulk coding and their page.
    TextSearchController(consultation: consultation).addRoutes(to: router)
    TextSearchPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    // Position papers (extract): analysts open a submission's files.
    AttachmentController(consultation: consultation).addRoutes(to: router)
    AttachmentPages(consultation: consultation).addRoutes(to: router)
    // Position papers: the upload resource of the API.
    UploadController(consultation: consultation).addRoutes(to: router)
    // lang (issue 15): a text's language and the respondent's note, for the answer pages' script.
    LanguageCheckController(consultation: consultation).addRoutes(to: router)
    // campaigns: clusters of look-alike submissions, their review and the signals of ballot stuffing.
    CampaignController(consultation: consultation).addRoutes(to: router)
    CampaignPages(consultation: consultation, renderer: renderer).addRoutes(to: router)
    return router
}

/// The HTTP application, with the database closed cleanly after the server has stopped.
///
/// On SIGTERM or SIGINT the server stops accepting connections, finishes the requests in
/// flight, and only then is the database checkpointed and closed.
///
/// `connections` bounds how long a client may take over a request and how many connections are open.
/// `campaignDetection: false` leaves out the campaign detector's worker (for the ingest benchmark only).
public func buildApplication(
    _ consultation: Consultation, address: ServerAddress, rateLimit: Int = 0, deployment: Deployment = Deployment(),
    connections: ConnectionLimits = ConnectionLimits(), logger: Logger, campaignDetection: Bool = true
) throws -> some ApplicationProtocol {
    let router = try buildRouter(consultation, rateLimit: rateLimit, deployment: deployment)
    // Position papers: spool files an earlier process left (it was killed) are removed.
    SpoolCleaner.clear(consultation.spoolFolder)
    var services: [any Service] = [DatabaseCloser(database: consultation.database, logger: logger),
        DraftPurger(consultation: consultation, logger: logger),
        // Position papers (extract): files' text for search, extracted in the background.
        AttachmentExtractionWorker(
            consultation: consultation, extractor: TextExtractor(scratchFolder: consultation.exportFolder), logger: logger)]
    // Campaigns (dedup): the detector's background worker.
    if campaignDetection { services.append(CampaignWorker(consultation: consultation, logger: logger)) }
    let semantics = HTTPSemanticsResponder(inner: router.buildResponder(), routes: router.routes.map { ($0.method, "\($0.path)") })
    return Application(
        responder: RequestLogResponder(inner: HTTPSOnlyResponder(inner: semantics, isHTTPS: deployment.isHTTPS)),
        server: connections.server,
        configuration: .init(
            address: .hostname(address.host, port: address.port), serverName: "consult",
            availableConnectionsDelegate: connections.availableConnections(logger: logger)),
        // Services stop in reverse order: the purger before the database closes.
        services: services,
        logger: logger)
}

/// Closes the database when the service group shuts down. Services stop in reverse
/// order, so the server drains before this runs.
struct DatabaseCloser: Service {
    let database: any ConsultStorage
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try database.close()
        logger.info("database closed")
    }
}
