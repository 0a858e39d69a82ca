import AWSShapes
import CloudWatchMetrics
import Foundation
import Storage
import StorageSQLite
import Testing
import TrailwatchCore

@Suite("Dashboard body validation")
struct DashboardBodyValidatorTests {
    let validator = DashboardBodyValidator()

    func problems(_ body: String) -> [String] {
        guard case .checked(let p) = validator.validate(body) else { return ["<not an object>"] }
        return p.map { "\($0.dataPath) \($0.message)" }
    }

    @Test("valid bodies", arguments: [
        #"{"widgets":[]}"#,
        ##"{"widgets":[{"type":"text","x":0,"y":0,"width":24,"height":3,"properties":{"markdown":"# hi"}}]}"##,
        #"{"widgets":[{"type":"metric","properties":{"metrics":[["AWS/EC2","CPUUtilization","InstanceId","i-1",{"stat":"Average"}]],"region":"us-east-1","period":300}}]}"#,
        #"{"widgets":[{"type":"log","properties":{"query":"SOURCE 'g' | fields @message","region":"us-east-1"}}],"start":"-PT3H","periodOverride":"auto"}"#,
    ])
    func valid(_ body: String) {
        #expect(problems(body).isEmpty)
    }

    @Test("not JSON, or not an object", arguments: ["nope", "[]", "\"s\"", "{"])
    func notObject(_ body: String) {
        #expect(validator.validate(body) == .notJSONObject)
    }

    @Test("problems are reported with AWS's paths and messages")
    func invalid() {
        #expect(problems("{}") == [" Should have required property 'widgets'"])
        #expect(problems(#"{"widgets":{}}"#) == ["/widgets Should be array"])
        #expect(problems(#"{"widgets":[{"properties":{}}]}"#) == ["/widgets/0 Should have required property 'type'"])
        #expect(problems(#"{"widgets":[{"type":"pie","properties":{}}]}"#) == ["/widgets/0/type Should be equal to one of the allowed values"])
        #expect(problems(#"{"widgets":[{"type":"text","width":25,"x":24,"y":-1,"properties":{"markdown":""}}]}"#) ==
                ["/widgets/0/x Should be <= 23", "/widgets/0/y Should be >= 0", "/widgets/0/width Should be <= 24"])
        #expect(problems(#"{"widgets":[{"type":"metric","properties":{}}]}"#) == [
            "/widgets/0/properties Should have required property 'metrics'",
            "/widgets/0/properties The metric widget should have specified a region and a data source or an alarm annotation",
            "/widgets/0/properties Should have required property 'annotations'",
        ])
        #expect(problems(#"{"widgets":[{"type":"metric","properties":{"region":"x","metrics":["AWS/EC2"]}}]}"#) ==
                ["/widgets/0/properties/metrics/0 Should be array"])
        #expect(problems(#"{"widgets":[{"type":"alarm","properties":{"alarms":[]}}]}"#) ==
                ["/widgets/0/properties/alarms Should NOT have less than 1 items"])
    }
}

@Suite("Dashboard service")
struct DashboardServiceTests {
    let store: SQLiteResourceStore
    let service: DashboardService
    let ctx = CallContext(requestID: "r", identity: .root(accountId: "123456789012", accessKeyId: "k"), region: "eu-west-1",
                          receivedAt: Date(timeIntervalSince1970: 1_700_000_000))

    init() throws {
        store = try SQLiteResourceStore(try SQLiteDatabase(location: .memory))
        service = DashboardService(resources: store, tags: store, clock: ManualClock(Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test("put, get, list and delete a dashboard")
    func roundTrip() async throws {
        let out = try await service.putDashboard(.init(dashboardName: "ops", dashboardBody: #"{"widgets":[]}"#), ctx)
        #expect(out.dashboardValidationMessages == [])
        let got = try await service.getDashboard(.init(dashboardName: "ops"), ctx)
        #expect(got.dashboardArn == "arn:aws:cloudwatch::123456789012:dashboard/ops")
        #expect(got.dashboardBody == #"{"widgets":[]}"#)
        // Dashboards are global: another region sees them.
        var other = ctx
        other.region = "us-east-1"
        let list = try await service.listDashboards(.init(), other)
        #expect(list.dashboardEntries?.map(\.dashboardName) == ["ops"])
        #expect(list.dashboardEntries?.first?.size == 14)
        _ = try await service.deleteDashboards(.init(dashboardNames: ["ops"]), ctx)
        await #expect(throws: AWSError.self) { _ = try await service.getDashboard(.init(dashboardName: "ops"), ctx) }
    }

    @Test("a missing dashboard is ResourceNotFound, worded as AWS")
    func missing() async throws {
        do {
            _ = try await service.getDashboard(.init(dashboardName: "nope"), ctx)
            Issue.record("expected an error")
        } catch let e as AWSError {
            #expect(e.type.queryCode == "ResourceNotFound")
            #expect(e.type.status == 404)
            #expect(e.message == "Dashboard nope does not exist")
        }
    }

    @Test("DeleteDashboards deletes nothing when one name is missing")
    func deleteAtomic() async throws {
        _ = try await service.putDashboard(.init(dashboardName: "a", dashboardBody: #"{"widgets":[]}"#), ctx)
        await #expect(throws: AWSError.self) { _ = try await service.deleteDashboards(.init(dashboardNames: ["a", "b"]), ctx) }
        _ = try await service.getDashboard(.init(dashboardName: "a"), ctx)
    }

    @Test("invalid names and bodies are refused and nothing is stored")
    func invalid() async throws {
        do {
            _ = try await service.putDashboard(.init(dashboardName: "bad:name", dashboardBody: #"{"widgets":[]}"#), ctx)
            Issue.record("expected an error")
        } catch let e as AWSError {
            #expect(e.type.queryCode == "InvalidParameterValue")
        }
        do {
            _ = try await service.putDashboard(.init(dashboardName: "d", dashboardBody: #"{"widgets":[{"type":"metric","properties":{}}]}"#), ctx)
            Issue.record("expected an error")
        } catch let e as AWSError {
            #expect(e.type.queryCode == "InvalidParameterInput")
            #expect(e.message.hasPrefix("The dashboard body is invalid, there are 3 validation errors:\n[\n  {\n    \"dataPath\": \"/widgets/0/properties\","))
            #expect(e.fields["dashboardValidationMessages"]?.elements?.count == 3)
        }
        #expect(try await service.listDashboards(.init(), ctx).dashboardEntries == [])
    }

    @Test("ListDashboards pages by 1000 with a NextToken and filters by prefix")
    func paging() async throws {
        for i in 0..<1005 {
            _ = try await service.putDashboard(.init(dashboardName: String(format: "d%04d", i), dashboardBody: #"{"widgets":[]}"#), ctx)
        }
        let first = try await service.listDashboards(.init(), ctx)
        #expect(first.dashboardEntries?.count == 1000)
        let token = try #require(first.nextToken)
        let second = try await service.listDashboards(.init(nextToken: token), ctx)
        #expect(second.dashboardEntries?.map(\.dashboardName) == ["d1000", "d1001", "d1002", "d1003", "d1004"])
        #expect(second.nextToken == nil)
        #expect(try await service.listDashboards(.init(dashboardNamePrefix: "d100"), ctx).dashboardEntries?.count == 5)
        await #expect(throws: AWSError.self) { _ = try await service.listDashboards(.init(nextToken: "garbage"), ctx) }
    }
}
