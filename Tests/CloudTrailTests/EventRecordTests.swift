@testable import CloudTrail
import Foundation
import Storage
import Testing
import TrailwatchCore

@Suite("CloudTrail event records")
struct EventRecordTests {
    let time = Date(timeIntervalSince1970: 1_790_000_000.25)

    func call(_ service: String, _ op: String, input: WireValue?, output: WireValue? = nil, error: (String, String)? = nil,
              identity: CallerIdentity? = .root(accountId: "123456789012", accessKeyId: "AKIDEXAMPLE")) -> APICall {
        APICall(service: service, operation: op, region: "eu-west-1", identity: identity, accessKeyId: "AKIDEXAMPLE",
                accountId: "123456789012", sourceIP: "10.0.0.1", userAgent: "Boto3/1.43.11", requestID: "req-1", time: time,
                requestParameters: input, responseElements: output, errorCode: error?.0, errorMessage: error?.1)
    }

    func fields(_ r: TrailEventRecord) throws -> [String: WireValue] {
        guard case .map(let m) = try JSONReader.parse(Array(r.json.utf8)) else { throw CancellationError() }
        return m
    }

    @Test("a record built before the answer and completed with it equals one built after")
    func completedRecord() throws {
        let input: WireValue = .map(["DashboardName": .string("d"), "DashboardBody": .string(#"{"responseElements":null,"requestID":"req-1"}"#)])
        let before = EventRecordBuilder.build(call("monitoring", "PutDashboard", input: input), eventID: "e-1")
        for answered in [call("monitoring", "PutDashboard", input: input, output: .map(["DashboardValidationMessages": .list([.map(["Message": .string("m")])])])),
                         call("monitoring", "PutDashboard", input: input, error: ("InvalidParameterInput", "bad")),
                         call("monitoring", "PutDashboard", input: input, output: .map([:]))] {
            let after = EventRecordBuilder.build(answered, eventID: "e-1")
            let completed = EventRecordBuilder.completed(before, with: answered)
            #expect((completed ?? before).json == after.json)
            #expect((completed == nil) == (after.json == before.json))
        }
    }

    @Test("a successful write: camelCase parameters, its output, management event, resources")
    func successfulWrite() throws {
        let r = EventRecordBuilder.build(call("monitoring", "PutDashboard", input: .map(["DashboardName": .string("d"), "DashboardBody": .string("{}")]),
                                              output: .map(["DashboardValidationMessages": .list([])])), eventID: "e-1")
        let f = try fields(r)
        #expect(f["eventVersion"] == .string("1.11"))
        #expect(f["eventTime"] == .string("2026-09-21T14:13:20Z"))
        #expect(f["eventSource"] == .string("monitoring.amazonaws.com"))
        #expect(f["eventName"] == .string("PutDashboard"))
        #expect(f["awsRegion"] == .string("eu-west-1"))
        #expect(f["sourceIPAddress"] == .string("10.0.0.1"))
        #expect(f["userAgent"] == .string("Boto3/1.43.11"))
        #expect(f["requestParameters"] == .map(["dashboardName": .string("d"), "dashboardBody": .string("{}")]))
        #expect(f["responseElements"] == .map(["dashboardValidationMessages": .list([])]))
        #expect(f["requestID"] == .string("req-1") && f["eventID"] == .string("e-1"))
        #expect(f["readOnly"] == .bool(false) && f["managementEvent"] == .bool(true))
        #expect(f["eventType"] == .string("AwsApiCall") && f["eventCategory"] == .string("Management"))
        #expect(f["recipientAccountId"] == .string("123456789012"))
        #expect(f["errorCode"] == nil)
        #expect(f["userIdentity"] == .map(["type": .string("Root"), "principalId": .string("123456789012"),
                                           "arn": .string("arn:aws:iam::123456789012:root"), "accountId": .string("123456789012"),
                                           "accessKeyId": .string("AKIDEXAMPLE")]))
        #expect(r.username == "root")
        #expect(r.resources.map(\.type) == ["AWS::CloudWatch::Dashboard"] && r.resources.map(\.name) == ["d"])
    }

    @Test("a read has null responseElements; a failure carries errorCode and errorMessage")
    func readAndFailure() throws {
        let read = try fields(EventRecordBuilder.build(call("logs", "DescribeLogGroups", input: .map(["limit": .int(5)]),
                                                            output: .map(["logGroups": .list([])]))))
        #expect(read["responseElements"] == .null && read["readOnly"] == .bool(true))
        let failed = try fields(EventRecordBuilder.build(call("logs", "CreateLogGroup", input: .map(["logGroupName": .string("g")]),
                                                              error: ("ResourceAlreadyExistsException", "The specified log group already exists"))))
        #expect(failed["errorCode"] == .string("ResourceAlreadyExistsException"))
        #expect(failed["errorMessage"] == .string("The specified log group already exists"))
        #expect(failed["responseElements"] == .null)
    }

    @Test("a refused signature records what the request claimed")
    func refused() throws {
        let r = EventRecordBuilder.build(call("monitoring", "ListDashboards", input: nil, error: ("SignatureDoesNotMatch", "bad"), identity: nil))
        let f = try fields(r)
        #expect(f["userIdentity"] == .map(["type": .string("Unknown"), "accountId": .string("123456789012"), "accessKeyId": .string("AKIDEXAMPLE")]))
        #expect(f["requestParameters"] == .null && f["errorCode"] == .string("SignatureDoesNotMatch"))
    }

    @Test("data events, bulk payloads and timestamps follow AWS's conventions")
    func conventions() throws {
        let r = EventRecordBuilder.build(call("logs", "PutLogEvents", input: .map(["logGroupName": .string("g"), "logEvents": .list([.string("x")])])))
        let f = try fields(r)
        #expect(f["managementEvent"] == .bool(false) && f["eventCategory"] == .string("Data"))
        #expect(f["requestParameters"] == .map(["logGroupName": .string("g")]))
        #expect(!r.management)
        #expect(EventRecordBuilder.javaDate(time) == "Sep 21, 2026, 2:13:20 PM")
    }
}

@Suite("CloudTrail event ids")
struct EventIDTests {
    @Test("an event id is a UUID that carries its time in milliseconds")
    func carriesTime() {
        let t = Date(timeIntervalSince1970: 1_790_000_000.123)
        let id = EventRecordBuilder.eventID(at: t)
        #expect(UUID(uuidString: id) != nil)
        #expect(id.count == 36 && id == id.lowercased())
        #expect(EventRecordBuilder.time(ofEventID: id) == 1_790_000_000_123)
        // Version 7, RFC 4122 variant, random bits that differ between ids of the same millisecond.
        let chars = Array(id)
        #expect(chars[14] == "7" && "89ab".contains(chars[19]))
        #expect(Set((0..<100).map { _ in EventRecordBuilder.eventID(at: t) }).count == 100)
        // A version-4 id (as older records or other tools carry) has no time.
        #expect(EventRecordBuilder.time(ofEventID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301") == nil)
    }
}
