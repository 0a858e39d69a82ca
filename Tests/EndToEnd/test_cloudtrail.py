"""CloudTrail event history: every call the server answers is recorded as AWS records it and
can be looked up with LookupEvents."""
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError


def lookup(ct, key=None, value=None, **kw):
    attrs = [{"AttributeKey": key, "AttributeValue": value}] if key else []
    return ct.lookup_events(LookupAttributes=attrs, **kw)["Events"]


def lookup_all(ct, key, value, since):
    """Every event matching one attribute from `since` on, through every page (LookupEvents calls
    are recorded too, so one page of a busy attribute such as ReadOnly=true may not reach back)."""
    events, token = [], None
    for _ in range(100):
        kw = {"StartTime": since, "MaxResults": 50, **({"NextToken": token} if token else {})}
        r = ct.lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **kw)
        events += r["Events"]
        token = r.get("NextToken")
        if not token:
            return events
    raise AssertionError(f"LookupEvents {key}={value} did not stop paging")


def poll(fetch, ok, timeout=3.0):
    """`fetch()` until `ok` holds of its result or `timeout` passes (read-only events may take up
    to about a second to show); returns the last result, so the caller's assertion reports it."""
    deadline = time.time() + timeout
    while True:
        got = fetch()
        if ok(got) or time.time() >= deadline:
            return got
        time.sleep(0.1)


def test_a_successful_call_is_recorded_field_by_field(server):
    logs, ct = server.client("logs"), server.client("cloudtrail")
    group = f"/ct/{uuid.uuid4().hex[:8]}"
    request_id = logs.create_log_group(logGroupName=group)["ResponseMetadata"]["RequestId"]
    events = lookup(ct, "ResourceName", group)
    assert [e["EventName"] for e in events] == ["CreateLogGroup"]
    e = events[0]
    assert e["EventSource"] == "logs.amazonaws.com" and e["ReadOnly"] == "false"
    assert e["Username"] == "root" and e["AccessKeyId"] == "test"
    assert e["Resources"] == [{"ResourceType": "AWS::Logs::LogGroup", "ResourceName": group}]
    record = json.loads(e["CloudTrailEvent"])
    assert record["eventVersion"] == "1.11"
    assert record["userIdentity"] == {"type": "Root", "principalId": "000000000000", "arn": "arn:aws:iam::000000000000:root",
                                      "accountId": "000000000000", "accessKeyId": "test"}
    assert record["eventSource"] == "logs.amazonaws.com" and record["eventName"] == "CreateLogGroup"
    assert record["awsRegion"] == "us-east-1" and record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("Boto3/")
    assert record["requestParameters"] == {"logGroupName": group}
    assert record["responseElements"] is None
    assert record["requestID"] == request_id and record["eventID"] == e["EventId"]
    assert record["readOnly"] is False and record["managementEvent"] is True
    assert record["eventType"] == "AwsApiCall" and record["eventCategory"] == "Management"
    assert record["recipientAccountId"] == "000000000000"
    assert "errorCode" not in record


def test_a_failed_call_and_a_refused_signature_are_recorded(server):
    logs, ct = server.client("logs"), server.client("cloudtrail")
    group = f"/ct/{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError):
        logs.delete_log_group(logGroupName=group)
    events = lookup(ct, "ResourceName", group)
    assert [e["EventName"] for e in events] == ["DeleteLogGroup"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["errorCode"] == "ResourceNotFoundException"
    assert record["errorMessage"] == "The specified log group does not exist."
    bad = server.client("cloudwatch", secret="wrong")  # JSON 1.0: the refusal is InvalidSignatureException
    with pytest.raises(ClientError):
        bad.list_dashboards()
    def refused_lookup():
        return [json.loads(e["CloudTrailEvent"]) for e in lookup(ct, "EventName", "ListDashboards")]

    def found(records):
        return any(r.get("errorCode") == "InvalidSignatureException" and r["userIdentity"]["accessKeyId"] == "test" for r in records)

    refused = poll(refused_lookup, found)  # ListDashboards is read-only
    assert any(r.get("errorCode") == "InvalidSignatureException" and r["userIdentity"]["accessKeyId"] == "test" for r in refused), refused


def test_lookup_by_each_attribute_and_paging(server):
    cw, ct = server.client("cloudwatch"), server.client("cloudtrail")
    since = time.time() - 1
    name = f"dash-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"widgets": []})
    for _ in range(3):
        cw.put_dashboard(DashboardName=name, DashboardBody=body)
    cw.get_dashboard(DashboardName=name)
    expected = ["GetDashboard", "PutDashboard", "PutDashboard", "PutDashboard"]  # newest first
    mine = poll(lambda: lookup(ct, "ResourceName", name), lambda got: len(got) >= len(expected))  # GetDashboard is read-only
    assert [e["EventName"] for e in mine] == expected
    eid, put_ids = mine[0]["EventId"], {e["EventId"] for e in mine[1:]}
    assert [e["EventId"] for e in lookup(ct, "EventId", eid)] == [eid]

    def check(key, value, field, expected_ids):
        """Every event the lookup finds has `field` == `value`, and it finds this test's events."""
        events = lookup_all(ct, key, value, since)
        ids = {e["EventId"] for e in events}
        assert expected_ids <= ids, (key, value, expected_ids - ids)
        wrong = [(e["EventName"], e.get(field)) for e in events if e.get(field) != value]
        assert events and not wrong, (key, value, wrong)

    check("EventName", "PutDashboard", "EventName", put_ids)
    check("ReadOnly", "true", "ReadOnly", {eid})
    check("ReadOnly", "false", "ReadOnly", put_ids)
    check("Username", "root", "Username", put_ids | {eid})
    check("EventSource", "monitoring.amazonaws.com", "EventSource", put_ids | {eid})
    check("AccessKeyId", "test", "AccessKeyId", put_ids | {eid})
    by_type = lookup_all(ct, "ResourceType", "AWS::CloudWatch::Dashboard", since)
    assert put_ids | {eid} <= {e["EventId"] for e in by_type}
    assert all(any(r.get("ResourceType") == "AWS::CloudWatch::Dashboard" for r in e.get("Resources", [])) for e in by_type), by_type
    # A value nothing has finds nothing.
    assert lookup(ct, "EventName", "NoSuchEvent") == []
    assert lookup(ct, "ResourceName", name + "-none") == []
    # Paging: two at a time through this dashboard's four events.
    seen, token = [], None
    while True:
        kw = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        r = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}], **kw)
        seen += [e["EventId"] for e in r["Events"]]
        token = r.get("NextToken")
        if not token:
            break
    assert seen == [e["EventId"] for e in mine]


def test_data_events_stay_out_of_event_history(server):
    cw, ct = server.client("cloudwatch"), server.client("cloudtrail")
    since = time.time() - 1
    cw.put_metric_data(Namespace=f"CT/{uuid.uuid4().hex[:6]}", MetricData=[{"MetricName": "m", "Value": 1}])
    # Positive control: a management call of the same service, made after it, is found by the
    # same lookups, so an empty answer below means "not recorded", not "lookup finds nothing".
    name = f"ct-data-{uuid.uuid4().hex[:8]}"
    cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps({"widgets": []}))
    assert [e["EventName"] for e in lookup(ct, "ResourceName", name)] == ["PutDashboard"]
    assert name in [r.get("ResourceName") for e in lookup(ct, "EventName", "PutDashboard") for r in e.get("Resources", [])]
    from_monitoring = lookup_all(ct, "EventSource", "monitoring.amazonaws.com", since)
    assert "PutDashboard" in [e["EventName"] for e in from_monitoring]
    assert "PutMetricData" not in [e["EventName"] for e in from_monitoring]
    assert lookup(ct, "EventName", "PutMetricData") == []


def test_lookup_errors(server):
    ct = server.client("cloudtrail")
    with pytest.raises(ClientError) as e:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "a"},
                                           {"AttributeKey": "EventName", "AttributeValue": "b"}])
    assert e.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    with pytest.raises(ClientError) as e:
        ct.lookup_events(MaxResults=51)
    # The model bounds MaxResults to 1..50, so validation refuses it before the operation does.
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ct.lookup_events(StartTime=time.time(), EndTime=time.time() - 3600)
    assert e.value.response["Error"]["Code"] == "InvalidTimeRangeException"
