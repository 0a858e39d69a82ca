import CloudTrail
import ArgumentParser
import Foundation
import Identity
import Logging
import NIOCore
import Runtime
import Server
import ServiceLifecycle
import UnixSignals
import Storage
import StorageSQLite
import Synchronization
import TrailwatchCore

/// `trailwatch serve`: start the server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the Trailwatch server.",
        discussion: """
            Settings come from flags, then TRAILWATCH_* environment variables, then the JSON file \
            named by --config (or TRAILWATCH_CONFIG), then defaults.
            """)

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 4566; 0 picks a free port).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Folder of the embedded database (default ./trailwatch-data).") var dataDir: String?
    @Flag(name: .customLong("in-memory"), help: "Keep all state in memory (nothing survives a restart; enables reset).") var inMemory = false
    @Option(name: .customLong("account-id"), help: "The default 12-digit account id (default 000000000000).") var accountId: String?
    @Option(help: "strict: verify SigV4 against known credentials; open: accept any key.") var auth: String?
    @Flag(name: .customLong("enable-reset"), help: "Allow POST /_trailwatch/reset and /moto-api/reset to wipe all state.") var enableReset = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?
    @Option(name: .customLong("trail-delivery-interval"), help: "Seconds between CloudTrail log file deliveries (default 300).") var trailDeliveryInterval: Double?
    @Option(name: .customLong("trail-digest-interval"), help: "Seconds between CloudTrail digest files (default 3600).") var trailDigestInterval: Double?
    @Option(name: .customLong("record-calls"), help: "Record every call as a CloudTrail event: true (default) or false.") var recordCalls: Bool?
    @Option(name: .customLong("operator-token"), help: "A secret that lets loopback callers use /_trailwatch/stats, maintenance and reset unsigned (header x-trailwatch-operator-token).") var operatorToken: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: with --tls-key, serve HTTPS on the port.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("max-connections"), help: "Open connections beyond this are closed on accept (default 1000).") var maxConnections: Int?
    @Option(name: .customLong("idle-timeout"), help: "Seconds before an idle connection (or one with half-sent headers) is closed (default 60).") var idleTimeout: Double?
    @Option(name: .customLong("body-timeout"), help: "Seconds a request body may stall before its connection is closed (default 20).") var bodyTimeout: Double?
    @Option(help: "A JSON config file.") var config: String?

    func run() async throws {
        let settings: Settings
        do {
            settings = try resolveSettings()
        } catch let e as SettingsError {
            throw ValidationError(e.description)
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "trailwatch")
        try await TrailwatchServer.run(settings: settings, logger: logger)
    }

    func resolveSettings() throws -> Settings {
        var s = Settings()
        let env = ProcessInfo.processInfo.environment
        if let path = config ?? env["TRAILWATCH_CONFIG"] { try s.apply(file: Settings.loadFile(path)) }
        try s.apply(environment: env)
        if let host { s.host = host }
        if let port { s.port = port }
        if let dataDir { s.dataDir = dataDir }
        if inMemory { s.inMemory = true }
        if let accountId { s.accountId = accountId }
        if let auth { s.auth = try Settings.authMode(auth) }
        if enableReset { s.enableReset = true }
        if let logLevel { s.logLevel = logLevel }
        if let trailDeliveryInterval { s.trailDeliveryInterval = trailDeliveryInterval }
        if let recordCalls { s.recordCalls = recordCalls }
        if let operatorToken { s.operatorToken = operatorToken }
        if let tlsCert { s.tlsCert = tlsCert }
        if let tlsKey { s.tlsKey = tlsKey }
        if let maxConnections { s.maxConnections = maxConnections }
        if let idleTimeout { s.idleTimeout = idleTimeout }
        if let bodyTimeout { s.bodyTimeout = bodyTimeout }
        if let trailDigestInterval { s.trailDigestInterval = trailDigestInterval }
        try s.validate()
        return s
    }
}

/// Wires storage, services and the HTTP server together and runs them until SIGINT/SIGTERM.
enum TrailwatchServer {
    static func run(settings: Settings, logger: Logger) async throws {
        let clock = SystemClock()
        let location: SQLiteDatabase.Location = settings.inMemory
            ? .memory
            : .file(URL(fileURLWithPath: settings.dataDir).appendingPathComponent("trailwatch.sqlite"))
        let backend: any StorageBackend = try SQLiteBackend(location: location, clock: clock, logger: logger)
        let recorder = TrailRecorder(store: backend.trailEvents)

        var roots = settings.credentials.map {
            Credential.root(accessKeyId: $0.accessKeyId, secretAccessKey: $0.secretAccessKey, accountId: $0.accountId ?? settings.accountId)
        }
        if roots.isEmpty {
            roots = [Credential.root(accessKeyId: "test", secretAccessKey: "test", accountId: settings.accountId)]
        }
        let authenticator = Authenticator(mode: settings.auth, resolver: ConfiguredCredentials(roots),
                                          defaultAccountId: settings.accountId, clock: clock)
        // The URL SNS messages point back at, fixed once the server listens (the port may be 0).
        let scheme = settings.tlsCert == nil ? "http" : "https"
        let publicEndpoint = Mutex("\(scheme)://\(settings.host):\(settings.port)")
        let services = Services(backend: backend, recorder: recorder, clock: clock, digestInterval: settings.trailDigestInterval,
                                endpoint: { publicEndpoint.withLock { $0 } })
        let jobStatistics = JobStatistics()
        let processor = RequestProcessor(
            routes: .standard(services), authenticator: authenticator, clock: clock,
            resetter: settings.enableReset || settings.inMemory ? backend : nil,
            maintenance: backend.maintenance, recorder: settings.recordCalls ? recorder : nil,
            operatorToken: settings.operatorToken, jobStatistics: jobStatistics, logger: logger)

        let storage = settings.inMemory ? "in memory (nothing survives a restart)" : "in \(settings.dataDir)"
        let tls = settings.tlsCert.flatMap { cert in settings.tlsKey.map { TLSFiles(certificatePath: cert, keyPath: $0) } }
        let app = try TrailwatchHTTPServer.application(
            processor: processor, host: settings.host, port: settings.port,
            limits: ConnectionLimits(maxConnections: settings.maxConnections,
                                     idleTimeout: .milliseconds(Int64(saturating: settings.idleTimeout * 1000)),
                                     bodyStallTimeout: .milliseconds(Int64(saturating: settings.bodyTimeout * 1000))),
            tls: tls, logger: logger,
            onServerRunning: { port in
                publicEndpoint.withLock { $0 = "\(scheme)://\(settings.host):\(port)" }
                logger.notice("Trailwatch listening on \(scheme)://\(settings.host):\(port)",
                              metadata: ["storage": .string(storage), "auth": .string(settings.auth.rawValue),
                                         "account": .string(settings.accountId)])
                if settings.usesDefaultCredentials && settings.auth == .strict {
                    logger.notice("No credentials configured: sign requests with access key 'test' and secret 'test' (set TRAILWATCH_ACCESS_KEY_ID and TRAILWATCH_SECRET_ACCESS_KEY to change them).")
                }
            })
        // One process owns an embedded database, so its node name is fixed: after a restart
        // it holds its singleton jobs' leases again at once.
        let jobs = JobRunner(jobs: services.jobs(deliveryInterval: settings.trailDeliveryInterval) + backend.jobs,
                             clock: clock, lease: backend.lease, node: "embedded", logger: logger,
                             statistics: jobStatistics)
        let group = ServiceGroup(services: [jobs, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        logger.notice("Trailwatch stopped")
    }
}
