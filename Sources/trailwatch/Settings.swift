import Foundation
import Server

/// The server's settings, merged from (highest first) command-line flags, `TRAILWATCH_*`
/// environment variables, a JSON config file, and defaults.
struct Settings: Equatable {
    var host = "127.0.0.1"
    var port = 4566
    var dataDir = "./trailwatch-data"
    var inMemory = false
    var accountId = "000000000000"
    var auth = AuthMode.strict
    var enableReset = false
    var logLevel = "info"
    /// Seconds between trail deliveries (about 5 minutes on AWS) and between digest files (hourly).
    var trailDeliveryInterval: Double = 300
    var trailDigestInterval: Double = 3600
    /// Whether every call is recorded as a CloudTrail event (off only to measure its cost).
    var recordCalls = true
    /// The secret loopback callers send in `x-trailwatch-operator-token` to use the operator
    /// endpoints (stats, maintenance, reset) without signing; none by default.
    var operatorToken: String?
    /// PEM certificate chain and private key: with both, the server speaks HTTPS on its port.
    var tlsCert: String?
    var tlsKey: String?
    /// Open connections beyond this are closed on accept.
    var maxConnections = 1000
    /// Seconds a connection may sit with no request (or with half-sent headers) before it is closed.
    var idleTimeout: Double = 60
    /// Seconds a request body may stall before its connection is closed.
    var bodyTimeout: Double = 20
    /// Root credentials; `test`/`test` when none are configured.
    var credentials: [RootCredential] = []

    struct RootCredential: Codable, Equatable {
        var accessKeyId: String
        var secretAccessKey: String
        var accountId: String?
    }

    /// The config file's shape (every key optional).
    struct File: Codable {
        var host: String?
        var port: Int?
        var dataDir: String?
        var inMemory: Bool?
        var accountId: String?
        var auth: String?
        var enableReset: Bool?
        var logLevel: String?
        var trailDeliveryInterval: Double?
        var trailDigestInterval: Double?
        var recordCalls: Bool?
        var operatorToken: String?
        var tlsCert: String?
        var tlsKey: String?
        var maxConnections: Int?
        var idleTimeout: Double?
        var bodyTimeout: Double?
        var credentials: [RootCredential]?
    }

    /// True when no credentials were configured and `test`/`test` is in use.
    var usesDefaultCredentials: Bool { credentials.isEmpty }

    /// Applies a config file.
    mutating func apply(file: File) throws {
        if let v = file.host { host = v }
        if let v = file.port { port = v }
        if let v = file.dataDir { dataDir = v }
        if let v = file.inMemory { inMemory = v }
        if let v = file.accountId { accountId = v }
        if let v = file.auth { auth = try Settings.authMode(v) }
        if let v = file.enableReset { enableReset = v }
        if let v = file.logLevel { logLevel = v }
        if let v = file.credentials { credentials = v }
        if let v = file.trailDeliveryInterval { trailDeliveryInterval = v }
        if let v = file.trailDigestInterval { trailDigestInterval = v }
        if let v = file.recordCalls { recordCalls = v }
        if let v = file.operatorToken { operatorToken = v }
        if let v = file.tlsCert { tlsCert = v }
        if let v = file.tlsKey { tlsKey = v }
        if let v = file.maxConnections { maxConnections = v }
        if let v = file.idleTimeout { idleTimeout = v }
        if let v = file.bodyTimeout { bodyTimeout = v }
    }

    /// Applies `TRAILWATCH_*` environment variables.
    mutating func apply(environment env: [String: String]) throws {
        if let v = env["TRAILWATCH_HOST"] { host = v }
        if let v = env["TRAILWATCH_PORT"] {
            guard let p = Int(v) else { throw SettingsError("TRAILWATCH_PORT must be a number, got '\(v)'") }
            port = p
        }
        if let v = env["TRAILWATCH_DATA_DIR"] { dataDir = v }
        if let v = env["TRAILWATCH_OPERATOR_TOKEN"] { operatorToken = v }
        if let v = env["TRAILWATCH_TLS_CERT"] { tlsCert = v }
        if let v = env["TRAILWATCH_TLS_KEY"] { tlsKey = v }
        if let v = env["TRAILWATCH_MAX_CONNECTIONS"] {
            guard let n = Int(v), n > 0 else { throw SettingsError("TRAILWATCH_MAX_CONNECTIONS must be a positive number, got '\(v)'") }
            maxConnections = n
        }
        if let v = env["TRAILWATCH_RECORD_CALLS"] { recordCalls = try Settings.bool(v, "TRAILWATCH_RECORD_CALLS") }
        for (name, keyPath) in [("TRAILWATCH_TRAIL_DELIVERY_INTERVAL", \Settings.trailDeliveryInterval),
                                ("TRAILWATCH_TRAIL_DIGEST_INTERVAL", \Settings.trailDigestInterval),
                                ("TRAILWATCH_IDLE_TIMEOUT", \Settings.idleTimeout),
                                ("TRAILWATCH_BODY_TIMEOUT", \Settings.bodyTimeout)] {
            if let v = env[name] {
                guard let seconds = Double(v), seconds > 0 else { throw SettingsError("\(name) must be a number of seconds, got '\(v)'") }
                self[keyPath: keyPath] = seconds
            }
        }
        if let v = env["TRAILWATCH_IN_MEMORY"] { inMemory = try Settings.bool(v, "TRAILWATCH_IN_MEMORY") }
        if let v = env["TRAILWATCH_ACCOUNT_ID"] { accountId = v }
        if let v = env["TRAILWATCH_AUTH"] { auth = try Settings.authMode(v) }
        if let v = env["TRAILWATCH_ENABLE_RESET"] { enableReset = try Settings.bool(v, "TRAILWATCH_ENABLE_RESET") }
        if let v = env["TRAILWATCH_LOG_LEVEL"] { logLevel = v }
        if let key = env["TRAILWATCH_ACCESS_KEY_ID"] {
            guard let secret = env["TRAILWATCH_SECRET_ACCESS_KEY"] else {
                throw SettingsError("TRAILWATCH_ACCESS_KEY_ID is set but TRAILWATCH_SECRET_ACCESS_KEY is not")
            }
            credentials = [RootCredential(accessKeyId: key, secretAccessKey: secret, accountId: nil)]
        }
    }

    /// Checks the merged settings.
    func validate() throws {
        guard accountId.count == 12, accountId.allSatisfy(\.isNumber) else {
            throw SettingsError("the account id must be 12 digits, got '\(accountId)'")
        }
        guard (0...65535).contains(port) else { throw SettingsError("the port must be between 0 and 65535, got \(port)") }
        for c in credentials where c.accessKeyId.isEmpty || c.secretAccessKey.isEmpty {
            throw SettingsError("credentials need a non-empty accessKeyId and secretAccessKey")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw SettingsError("--tls-cert and --tls-key go together") }
        guard idleTimeout > 0, bodyTimeout > 0 else { throw SettingsError("timeouts must be positive seconds") }
        guard maxConnections > 0 else { throw SettingsError("the connection limit must be positive, got \(maxConnections)") }
    }

    static func authMode(_ s: String) throws -> AuthMode {
        guard let m = AuthMode(rawValue: s.lowercased()) else {
            throw SettingsError("auth must be 'strict' or 'open', got '\(s)'")
        }
        return m
    }

    static func bool(_ s: String, _ name: String) throws -> Bool {
        switch s.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw SettingsError("\(name) must be true or false, got '\(s)'")
        }
    }

    /// Reads a JSON config file.
    static func loadFile(_ path: String) throws -> File {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError("cannot read the config file \(path)")
        }
        do {
            return try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw SettingsError("the config file \(path) is not valid: \(error)")
        }
    }
}

struct SettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
