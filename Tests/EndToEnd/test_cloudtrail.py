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
    record = json.loads(lookup(ct, "ResourceName", group)[0]["CloudTrailEvent"])
    assert record["errorCode"] == "ResourceNotFoundException"
    assert record["errorMessage"] == "The specified log group does not exist."
    bad = server.client("cloudwatch", secret="wrong")  # JSON 1.0: the refusal is InvalidSignatureException
    with pytest.raises(ClientError):
        bad.list_dashboards()
    refused = [json.loads(e["CloudTrailEvent"]) for e in lookup(ct, "EventName", "ListDashboards")]
    assert any(r.get("errorCode") == "InvalidSignatureException" and r["userIdentity"]["accessKeyId"] == "test" for r in refused), refused


def test_lookup_by_each_attribute_and_paging(server):
    cw, ct = server.client("cloudwatch"), server.client("cloudtrail")
    name = f"dash-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"widgets": []})
    for _ in range(3):
        cw.put_dashboard(DashboardName=name, DashboardBody=body)
    cw.get_dashboard(DashboardName=name)
    mine = lookup(ct, "ResourceName", name)
    assert [e["EventName"] for e in mine] == ["GetDashboard", "PutDashboard", "PutDashboard", "PutDashboard"]  # newest first
    eid = mine[0]["EventId"]
    assert [e["EventId"] for e in lookup(ct, "EventId", eid)] == [eid]
    assert all(e["EventName"] == "PutDashboard" for e in lookup(ct, "EventName", "PutDashboard"))
    assert all(e["ReadOnly"] == "true" for e in lookup(ct, "ReadOnly", "true"))
    assert all(e["Username"] == "root" for e in lookup(ct, "Username", "root"))
    assert any(e["EventId"] == eid for e in lookup(ct, "ResourceType", "AWS::CloudWatch::Dashboard"))
    assert all(e["EventSource"] == "monitoring.amazonaws.com" for e in lookup(ct, "EventSource", "monitoring.amazonaws.com"))
    assert all(e["AccessKeyId"] == "test" for e in lookup(ct, "AccessKeyId", "test"))
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
    cw.put_metric_data(Namespace=f"CT/{uuid.uuid4().hex[:6]}", MetricData=[{"MetricName": "m", "Value": 1}])
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
