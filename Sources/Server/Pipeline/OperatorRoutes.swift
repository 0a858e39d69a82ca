import AWSWire
import Foundation
import Logging
import Runtime
import Storage
import TrailwatchCore

/// The operator endpoints under `/_trailwatch/` (and moto's reset), and who may call them.
///
/// | route                          | who                                                     |
/// |--------------------------------|---------------------------------------------------------|
/// | `GET /_trailwatch/health`      | anyone                                                  |
/// | `GET /_trailwatch/stats`       | an operator: root SigV4, or the operator token from loopback |
/// | `POST /_trailwatch/maintenance`| an operator                                             |
/// | `POST /_trailwatch/reset`, `POST /moto-api/reset` | only with reset enabled: an operator, or an unsigned loopback request that no web page sent (no foreign `Origin`) |
///
/// Unsigned loopback reset stays because moto-style test suites call it that way; the Origin
/// check is what stops a page in the user's browser from wiping the server with a
/// cross-origin `text/plain` POST (browsers always send `Origin` on those).
extension RequestProcessor {
    /// The header that carries the operator token.
    static let operatorTokenHeader = "x-trailwatch-operator-token"

    /// Signed by a root identity (any service's credential scope), or carrying the operator
    /// token from a loopback address.
    func isOperator(_ req: IncomingRequest) async -> Bool {
        if let token = operatorToken, !token.isEmpty, Self.isLoopback(req.sourceIP),
           let sent = req.header(Self.operatorTokenHeader), SigV4.constantTimeEqual(sent, token) {
            return true
        }
        let sig = SigV4Request(method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery, headers: req.headers)
        guard let claim = try? SigV4.claim(of: sig), let service = AWSService(signingName: claim.credential.service),
              let auth = try? await authenticator.authenticate(sig, claim: .success(claim), service: service, rawBody: req.body, requiresAuth: true)
        else { return false }
        return auth.identity.kind == .root
    }

    func mayReset(_ req: IncomingRequest) async -> Bool {
        if await isOperator(req) { return true }
        guard Self.isLoopback(req.sourceIP) else { return false }
        guard let origin = req.header("origin") else { return true }
        // The server's own pages (the console, [10]) may reset; no other origin.
        let host = req.header("host") ?? ""
        return !host.isEmpty && (origin == "http://\(host)" || origin == "https://\(host)")
    }

    static func isLoopback(_ ip: String) -> Bool {
        ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    private func refused() -> WireResponse {
        jsonResponse(403, #"{"__type":"AccessDenied","message":"Operator endpoints need root credentials (SigV4) or the operator token (x-trailwatch-operator-token, loopback only); reset refuses requests sent by another origin."}"#)
    }

    // MARK: Admin routes

    func adminResponse(_ req: IncomingRequest) async -> WireResponse? {
        let route = (req.method, req.rawPath)
        switch route {
        case ("POST", "/_trailwatch/reset"), ("POST", "/moto-api/reset"):
            guard await mayReset(req) else { return refused() }
        case ("POST", "/_trailwatch/maintenance"), ("GET", "/_trailwatch/stats"):
            guard await isOperator(req) else { return refused() }
        default:
            break
        }
        switch route {
        case ("GET", "/_trailwatch/health"), ("HEAD", "/_trailwatch/health"):
            return jsonResponse(200, #"{"status":"ok"}"#)
        case ("POST", "/_trailwatch/reset"), ("POST", "/moto-api/reset"):
            guard let resetter else {
                return jsonResponse(403, #"{"status":"error","message":"Reset is disabled. Start the server with --enable-reset or --in-memory to allow it."}"#)
            }
            do {
                try await resetter.reset()
                logger.info("state reset")
                return jsonResponse(200, #"{"status": "ok"}"#)
            } catch {
                logger.error("reset failed", metadata: ["error": .string("\(error)")])
                return jsonResponse(500, #"{"status":"error","message":"reset failed"}"#)
            }
        case ("POST", "/_trailwatch/maintenance"):
            do {
                try await maintenance?.runMaintenance()
                return jsonResponse(200, #"{"status":"ok"}"#)
            } catch {
                logger.error("maintenance failed", metadata: ["error": .string("\(error)")])
                return jsonResponse(500, #"{"status":"error","message":"maintenance failed"}"#)
            }
        case ("GET", "/_trailwatch/stats"):
            var stats = (try? await maintenance?.storageStats()) ?? [:]
            stats["rssBytes"] = ProcessStats.residentBytes()
            stats.merge(jobStatistics?.entries() ?? [:]) { a, _ in a }
            var w = JSONWriter()
            w.beginObject()
            for (i, k) in stats.keys.sorted().enumerated() {
                if i > 0 { w.comma() }
                w.key(k)
                w.int(stats[k]!)
            }
            w.endObject()
            return WireResponse(status: 200, headers: [("Content-Type", "application/json")], body: w.bytes)
        default:
            return nil
        }
    }

    func jsonResponse(_ status: Int, _ body: String) -> WireResponse {
        WireResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
