"""CloudWatch Logs (service `logs`, awsJson1_1) through real clients: log groups and streams,
PutLogEvents and its rejections, GetLogEvents and FilterLogEvents paging and filter patterns,
metric filters and the embedded metric format feeding CloudWatch metrics, retention, tags,
the AWS CLI, and a crash test that kills the server during ingestion.

Exact error messages are asserted only where AWS's own wording is known; elsewhere only the
error code is."""
import datetime
import json
import signal
import threading
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REGION, kill_during

ACCOUNT = "000000000000"
SECOND = 1000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653]


def now_ms():
    return int(time.time() * 1000)


def group_name():
    """A fresh log group name; all have the same length, so none is a prefix of another."""
    return f"/trailwatch/test/{uuid.uuid4().hex[:12]}"


def ns():
    return f"Test/{uuid.uuid4().hex[:8]}"


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def status_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def unvalidated_logs(server):
    """A logs client that sends what botocore would refuse (empty strings, empty lists), so the
    server's own validation answers."""
    return boto3.client("logs", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))


def group_arn(group):
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


def as_datetime(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)


def put(logs, group, stream, events, **kw):
    """PutLogEvents of (timestamp, message) pairs."""
    return logs.put_log_events(logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": t, "message": m} for t, m in events], **kw)


def make_stream(logs, group=None, stream="s", **create):
    group = group or group_name()
    logs.create_log_group(logGroupName=group, **create)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return group, stream


def read_stream(logs, group, stream, **kw):
    """Every event of a stream, oldest first, read forward the way tail loops do: until
    GetLogEvents hands back the token it was given."""
    out, token = [], None
    for _ in range(10_000):
        args = dict(logGroupName=group, logStreamName=stream, startFromHead=True, **kw)
        if token:
            args["nextToken"] = token
        r = logs.get_log_events(**args)
        out += r["events"]
        if r["nextForwardToken"] == token:
            return out
        token = r["nextForwardToken"]
    raise AssertionError("GetLogEvents never returned the token it was given")


def messages(logs, group, stream, **kw):
    return [e["message"] for e in read_stream(logs, group, stream, **kw)]


def describe_group(logs, group):
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    return groups[0]


def describe_stream(logs, group, stream):
    streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)["logStreams"]
    return next(s for s in streams if s["logStreamName"] == stream)


def poll(fetch, done, timeout=5.0):
    """Metric filters and EMF may be applied asynchronously: retry `fetch` until `done` holds."""
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value) or time.time() > deadline:
            return value
        time.sleep(0.1)


def metric_totals(cw, namespace, name, start_ms, end_ms, dimensions=()):
    points = cw.get_metric_statistics(Namespace=namespace, MetricName=name, Dimensions=list(dimensions),
                                      StartTime=as_datetime(start_ms), EndTime=as_datetime(end_ms), Period=60,
                                      Statistics=["Sum", "SampleCount"])["Datapoints"]
    return (sum(p["Sum"] for p in points), sum(p["SampleCount"] for p in points),
            sorted({p.get("Unit") for p in points}))


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


@pytest.fixture(scope="module")
def cw(server):
    return server.client("cloudwatch")


# ---------------------------------------------------------------------------------------------
# 1. Log groups


def test_create_log_group_describes_every_field(logs):
    group = group_name()
    before = now_ms()
    logs.create_log_group(logGroupName=group)
    after = now_ms()
    g = describe_group(logs, group)
    assert g["arn"] == group_arn(group) + ":*"
    assert g["logGroupArn"] == group_arn(group)
    assert before - SECOND <= g["creationTime"] <= after + SECOND
    assert g["storedBytes"] == 0
    assert g["metricFilterCount"] == 0
    assert g["logGroupClass"] == "STANDARD"
    assert "retentionInDays" not in g  # only present once a retention policy is set
    assert "kmsKeyId" not in g


def test_create_log_group_with_kms_key_class_and_tags(logs):
    group = group_name()
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    logs.create_log_group(logGroupName=group, kmsKeyId=key, logGroupClass="INFREQUENT_ACCESS",
                          tags={"team": "ops", "env": "dev"})
    g = describe_group(logs, group)
    assert g["kmsKeyId"] == key
    assert g["logGroupClass"] == "INFREQUENT_ACCESS"
    assert logs.list_tags_for_resource(resourceArn=group_arn(group))["tags"] == {"team": "ops", "env": "dev"}


def test_duplicate_log_group(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException) as e:
        logs.create_log_group(logGroupName=group)
    r = e.value.response
    assert (r["Error"]["Code"], r["Error"]["Message"]) == ("ResourceAlreadyExistsException",
                                                            "The specified log group already exists")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert r["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_describe_log_groups_prefix_is_ascii_sorted(logs):
    base = group_name()
    for suffix in ["/c", "/a", "/B", "x"]:
        logs.create_log_group(logGroupName=base + suffix)
    names = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=base + "/")["logGroups"]]
    assert names == [base + "/B", base + "/a", base + "/c"]
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=base)["logGroups"]] == \
        [base + "/B", base + "/a", base + "/c", base + "x"]
    assert logs.describe_log_groups(logGroupNamePrefix=base + "/none")["logGroups"] == []


def test_describe_log_groups_pattern_is_case_sensitive_substring(logs):
    # The API reference: "a case-sensitive substring search. For example, if you specify DataLogs,
    # log groups named DataLogs, aws/DataLogs, and GroupDataLogs would match, but datalogs [...] would not"
    token = uuid.uuid4().hex[:8]
    matching = [f"/tw/DataLogs{token}", f"/tw/Group/DataLogs{token}/x"]
    others = [f"/tw/datalogs{token}", f"/tw/DATALOGS{token}", f"/tw/Data/Logs{token}"]
    for name in matching + others:
        logs.create_log_group(logGroupName=name)
    found = logs.describe_log_groups(logGroupNamePattern=f"DataLogs{token}")["logGroups"]
    assert sorted(g["logGroupName"] for g in found) == sorted(matching)
    for g in found:  # "only arn, creationTime, and logGroupName are included" is the documented minimum
        assert g["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{g['logGroupName']}:*"
        assert isinstance(g["creationTime"], int)


def test_describe_log_groups_prefix_and_pattern_are_exclusive(logs):
    code, _ = error_of(lambda: logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b"))
    assert code == "InvalidParameterException"


def test_describe_log_groups_limit_and_next_token(logs):
    base = group_name()
    names = [f"{base}/{i}" for i in range(5)]
    for name in reversed(names):
        logs.create_log_group(logGroupName=name)
    pages, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        r = logs.describe_log_groups(logGroupNamePrefix=base, limit=2, **kw)
        pages.append([g["logGroupName"] for g in r["logGroups"]])
        token = r.get("nextToken")
        if not token:
            break
        assert len(pages) < 10
    assert pages == [names[0:2], names[2:4], names[4:5]]
    paginated = [g["logGroupName"] for p in logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=base, PaginationConfig={"PageSize": 3}) for g in p["logGroups"]]
    assert paginated == names
    assert error_of(lambda: logs.describe_log_groups(logGroupNamePrefix=base, limit=51))[0] == "InvalidParameterException"


def test_delete_log_group(logs):
    group, stream = make_stream(logs)
    put(logs, group, stream, [(now_ms() - SECOND, "before delete")])
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]] == [group]
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == [stream]
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    assert error_of(lambda: logs.delete_log_group(logGroupName=group))[0] == "ResourceNotFoundException"
    assert status_of(lambda: logs.delete_log_group(logGroupName=group)) == 400
    assert error_of(lambda: logs.describe_log_streams(logGroupName=group)) == \
        ("ResourceNotFoundException", "The specified log group does not exist.")
    # A group created again under the same name starts empty.
    logs.create_log_group(logGroupName=group)
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]] == [group]
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []


@pytest.mark.parametrize("name,message", [
    ("bad:name", "1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"),
    ("has space", None),
    ("x" * 513, None),
    ("", None),
    ("aws/reserved", "Log groups starting with AWS/ are reserved for AWS."),
], ids=["colon", "space", "513-chars", "empty", "aws-prefix"])
def test_invalid_log_group_names(server, name, message):
    logs = unvalidated_logs(server)
    code, got = error_of(lambda: logs.create_log_group(logGroupName=name))
    assert code == "InvalidParameterException"
    if message:
        assert got == message
    if name == "aws/reserved":
        assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_longest_log_group_name_is_accepted(logs):
    name = group_name()
    name += "x" * (512 - len(name))
    logs.create_log_group(logGroupName=name)
    assert describe_group(logs, name)["logGroupName"] == name


# ---------------------------------------------------------------------------------------------
# 2. Log streams


def test_create_duplicate_and_delete_log_stream(logs):
    group, stream = make_stream(logs)
    assert error_of(lambda: logs.create_log_stream(logGroupName=group, logStreamName=stream)) == \
        ("ResourceAlreadyExistsException", "The specified log stream already exists")
    assert error_of(lambda: logs.create_log_stream(logGroupName=group_name(), logStreamName="s"))[0] == \
        "ResourceNotFoundException"
    put(logs, group, stream, [(now_ms() - SECOND, "before delete")])
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == [stream]
    assert messages(logs, group, stream) == ["before delete"]
    logs.delete_log_stream(logGroupName=group, logStreamName=stream)
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []
    assert error_of(lambda: logs.delete_log_stream(logGroupName=group, logStreamName=stream))[0] == \
        "ResourceNotFoundException"
    # A stream created again under the same name starts empty.
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    assert read_stream(logs, group, stream) == []


def test_new_log_stream_fields(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    before = now_ms()
    logs.create_log_stream(logGroupName=group, logStreamName="app/1")
    after = now_ms()
    s = describe_stream(logs, group, "app/1")
    assert s["arn"] == f"{group_arn(group)}:log-stream:app/1"
    assert before - SECOND <= s["creationTime"] <= after + SECOND
    assert s["storedBytes"] == 0
    for absent in ("firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime", "uploadSequenceToken"):
        assert absent not in s, absent


def test_log_stream_fields_after_put_log_events(logs):
    group, stream = make_stream(logs)
    t = now_ms() - 60 * SECOND
    before = now_ms()
    put(logs, group, stream, [(t, "a"), (t + 10, "b"), (t + 20, "c")])
    after = now_ms()
    s = describe_stream(logs, group, stream)
    assert s["firstEventTimestamp"] == t
    assert s["lastEventTimestamp"] == t + 20
    assert before - SECOND <= s["lastIngestionTime"] <= after + SECOND
    assert isinstance(s["uploadSequenceToken"], str) and s["uploadSequenceToken"]
    put(logs, group, stream, [(t + 5, "late but in range")])
    s = describe_stream(logs, group, stream)
    assert (s["firstEventTimestamp"], s["lastEventTimestamp"]) == (t, t + 20)


def test_describe_log_streams_prefix_order_and_paging(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    t = now_ms() - 60 * SECOND
    # Creation order and last-event order both differ from name order.
    for stream, offset in [("web-1", 0), ("app-2", 10), ("app-1", 20)]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        put(logs, group, stream, [(t + offset, stream)])

    def names(**kw):
        return [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group, **kw)["logStreams"]]

    assert names() == ["app-1", "app-2", "web-1"]
    assert names(descending=True) == ["web-1", "app-2", "app-1"]
    assert names(logStreamNamePrefix="app-") == ["app-1", "app-2"]
    assert names(orderBy="LastEventTime") == ["web-1", "app-2", "app-1"]
    assert names(orderBy="LastEventTime", descending=True) == ["app-1", "app-2", "web-1"]
    first = logs.describe_log_streams(logGroupName=group, limit=2)
    assert [s["logStreamName"] for s in first["logStreams"]] == ["app-1", "app-2"]
    rest = logs.describe_log_streams(logGroupName=group, limit=2, nextToken=first["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["web-1"]
    assert "nextToken" not in rest
    arn = describe_group(logs, group)["logGroupArn"]
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]] == \
        ["app-1", "app-2", "web-1"]


def test_describe_log_streams_refuses_last_event_time_with_prefix(logs):
    group, _ = make_stream(logs)
    code, _ = error_of(lambda: logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                         logStreamNamePrefix="s"))
    assert code == "InvalidParameterException"


def test_describe_log_streams_name_and_identifier_are_exclusive(logs):
    group, _ = make_stream(logs)
    code, _ = error_of(lambda: logs.describe_log_streams(logGroupName=group, logGroupIdentifier=group))
    assert code == "InvalidParameterException"


# ---------------------------------------------------------------------------------------------
# 3. PutLogEvents


def test_put_log_events_returns_sequence_token_and_ignores_the_one_given(logs):
    group, stream = make_stream(logs)
    t = now_ms() - 10 * SECOND
    r = put(logs, group, stream, [(t, "first")])
    assert isinstance(r["nextSequenceToken"], str) and r["nextSequenceToken"]
    assert "rejectedLogEventsInfo" not in r
    # The sequence token is ignored: a stale or made-up one is accepted.
    put(logs, group, stream, [(t + 1, "second")], sequenceToken="49590302271234567890123456789012345678901234567890")
    put(logs, group, stream, [(t + 2, "third")], sequenceToken=r["nextSequenceToken"])
    assert messages(logs, group, stream) == ["first", "second", "third"]


def test_put_log_events_equal_timestamps_keep_their_order(logs):
    group, stream = make_stream(logs)
    t = now_ms() - 10 * SECOND
    put(logs, group, stream, [(t, "one"), (t, "two"), (t, "three")])
    assert messages(logs, group, stream) == ["one", "two", "three"]


def test_put_log_events_out_of_order(logs):
    group, stream = make_stream(logs)
    t = now_ms() - 10 * SECOND
    assert error_of(lambda: put(logs, group, stream, [(t, "a"), (t + 10, "b"), (t + 5, "c")])) == \
        ("InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.")
    assert read_stream(logs, group, stream) == []
    put(logs, group, stream, [(t, "a"), (t + 5, "c"), (t + 10, "b")])  # the same events in order are stored
    assert messages(logs, group, stream) == ["a", "c", "b"]


def test_put_log_events_more_than_10000_events(logs):
    group, stream = make_stream(logs)
    t = now_ms() - 60 * SECOND
    code, _ = error_of(lambda: put(logs, group, stream, [(t + i, "m") for i in range(10_001)]))
    assert code == "InvalidParameterException"
    assert read_stream(logs, group, stream) == []
    put(logs, group, stream, [(t + i, "m") for i in range(10_000)])  # the limit itself is accepted
    assert len(read_stream(logs, group, stream)) == 10_000


def test_put_log_events_too_old_and_too_new_are_rejected_rest_stored(logs):
    group, stream = make_stream(logs)
    now = now_ms()
    events = [(now - 15 * DAY, "old-0"), (now - 15 * DAY + 1, "old-1"), (now - 2 * SECOND, "ok-0"),
              (now - SECOND, "ok-1"), (now + 3 * HOUR, "new-0"), (now + 3 * HOUR + 1, "new-1")]
    r = put(logs, group, stream, events)
    # tooOldLogEventEndIndex is exclusive (AWS answers {"tooOldLogEventEndIndex": 1} for one old event),
    # tooNewLogEventStartIndex inclusive.
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 4}
    assert messages(logs, group, stream) == ["ok-0", "ok-1"]


def test_put_log_events_older_than_retention_are_expired(logs):
    group, stream = make_stream(logs)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    now = now_ms()
    r = put(logs, group, stream, [(now - 2 * DAY, "expired-0"), (now - 2 * DAY + 1, "expired-1"), (now - SECOND, "kept")])
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 2}
    assert messages(logs, group, stream) == ["kept"]


def test_put_log_events_span_over_24_hours(logs):
    group, stream = make_stream(logs)
    now = now_ms()
    assert error_of(lambda: put(logs, group, stream, [(now - 25 * HOUR, "a"), (now - SECOND, "b")])) == \
        ("InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
    assert read_stream(logs, group, stream) == []
    put(logs, group, stream, [(now - 23 * HOUR, "a"), (now - SECOND, "b")])  # under 24 hours is fine
    assert messages(logs, group, stream) == ["a", "b"]


def test_put_log_events_missing_stream_or_group(logs):
    group, _ = make_stream(logs)
    t = now_ms()
    assert error_of(lambda: put(logs, group, "nope", [(t, "x")])) == \
        ("ResourceNotFoundException", "The specified log stream does not exist.")
    assert error_of(lambda: put(logs, group_name(), "nope", [(t, "x")])) == \
        ("ResourceNotFoundException", "The specified log group does not exist.")


@pytest.mark.parametrize("log_events", [[{"timestamp": 1, "message": ""}], []], ids=["empty-message", "no-events"])
def test_put_log_events_model_minimums(server, logs, log_events):
    group, stream = make_stream(logs)
    events = [dict(e, timestamp=now_ms()) for e in log_events]
    raw = unvalidated_logs(server)
    code, _ = error_of(lambda: raw.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events))
    assert code == "InvalidParameterException"
    assert read_stream(logs, group, stream) == []
    raw.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now_ms(), "message": "x"}])
    assert messages(logs, group, stream) == ["x"]  # the same client's valid request is stored


# ---------------------------------------------------------------------------------------------
# 4. GetLogEvents


@pytest.fixture
def ten_events(logs):
    group, stream = make_stream(logs)
    base = now_ms() - 10 * 60 * SECOND
    put(logs, group, stream, [(base + i * SECOND, f"e{i}") for i in range(10)])
    return group, stream, base


def test_get_log_events_head_tail_and_limit(logs, ten_events):
    group, stream, base = ten_events
    before = now_ms()
    r = logs.get_log_events(logGroupName=group, logStreamName=stream)
    assert [e["message"] for e in r["events"]] == [f"e{i}" for i in range(10)]
    assert [e["timestamp"] for e in r["events"]] == [base + i * SECOND for i in range(10)]
    assert all(before - 60 * SECOND <= e["ingestionTime"] <= before + SECOND for e in r["events"])
    head = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=3)
    assert [e["message"] for e in head["events"]] == ["e0", "e1", "e2"]
    tail = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=3)
    assert [e["message"] for e in tail["events"]] == ["e7", "e8", "e9"]  # newest page, oldest first
    assert tail["nextForwardToken"] and tail["nextBackwardToken"]


def test_get_log_events_forward_paging_ends_on_the_same_token_then_tails(logs, ten_events):
    group, stream, base = ten_events
    pages, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        r = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=4, **kw)
        if r["nextForwardToken"] == token:
            assert r["events"] == []
            break
        pages.append([e["message"] for e in r["events"]])
        token = r["nextForwardToken"]
        assert len(pages) < 20
    assert all(len(p) <= 4 for p in pages)
    assert [m for p in pages for m in p] == [f"e{i}" for i in range(10)]
    # The last token keeps its place: events added later are read from it.
    put(logs, group, stream, [(base + 20 * SECOND, "e10"), (base + 21 * SECOND, "e11")])
    r = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, nextToken=token)
    assert [e["message"] for e in r["events"]] == ["e10", "e11"]
    assert r["nextForwardToken"] != token
    again = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                                nextToken=r["nextForwardToken"])
    assert again["events"] == [] and again["nextForwardToken"] == r["nextForwardToken"]


def test_get_log_events_backward_paging(logs, ten_events):
    group, stream, _ = ten_events
    pages, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        r = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=4, **kw)
        if r["nextBackwardToken"] == token:
            assert r["events"] == []
            break
        pages.append([e["message"] for e in r["events"]])
        token = r["nextBackwardToken"]
        assert len(pages) < 20
    assert pages[0] == ["e6", "e7", "e8", "e9"]
    assert [m for p in reversed(pages) for m in p] == [f"e{i}" for i in range(10)]


def test_get_log_events_time_range(logs, ten_events):
    group, stream, base = ten_events
    # startTime is inclusive, endTime exclusive.
    r = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                            startTime=base + 2 * SECOND, endTime=base + 5 * SECOND)
    assert [e["message"] for e in r["events"]] == ["e2", "e3", "e4"]
    assert [e["message"] for e in read_stream(logs, group, stream, startTime=base + 8 * SECOND)] == ["e8", "e9"]
    assert [e["message"] for e in read_stream(logs, group, stream, endTime=base + SECOND)] == ["e0"]


def test_get_log_events_by_group_identifier(logs, ten_events):
    group, stream, _ = ten_events
    arn = describe_group(logs, group)["logGroupArn"]
    by_name = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    by_arn = logs.get_log_events(logGroupIdentifier=arn, logStreamName=stream, startFromHead=True)["events"]
    by_identifier_name = logs.get_log_events(logGroupIdentifier=group, logStreamName=stream, startFromHead=True)["events"]
    assert len(by_name) == 10 and by_arn == by_name and by_identifier_name == by_name
    assert error_of(lambda: logs.get_log_events(logGroupName=group, logGroupIdentifier=arn,
                                                logStreamName=stream))[0] == "InvalidParameterException"
    assert error_of(lambda: logs.get_log_events(logGroupName=group, logStreamName="nope"))[0] == \
        "ResourceNotFoundException"
    assert error_of(lambda: logs.get_log_events(logGroupName=group_name(), logStreamName=stream))[0] == \
        "ResourceNotFoundException"


# ---------------------------------------------------------------------------------------------
# 5. FilterLogEvents

STREAM_EVENTS = [  # (stream, offset ms, message): interleaved across streams
    ("api-1", 0, "INFO start"),
    ("api-2", 1, "ERROR disk full"),
    ("worker", 2, "WARN slow"),
    ("api-1", 3, "ERROR Exception: timeout"),
    ("api-2", 4, "INFO done"),
    ("worker", 5, "ERROR Exception: crash"),
]


@pytest.fixture(scope="module")
def three_streams(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    base = now_ms() - 5 * 60 * SECOND
    for stream in ("api-1", "api-2", "worker"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        put(logs, group, stream, [(base + o, m) for s, o, m in STREAM_EVENTS if s == stream])
    return group, base


def test_filter_log_events_across_streams_sorted_by_time(logs, three_streams):
    group, base = three_streams
    r = logs.filter_log_events(logGroupName=group)
    assert [(e["logStreamName"], e["timestamp"], e["message"]) for e in r["events"]] == \
        [(s, base + o, m) for s, o, m in STREAM_EVENTS]
    ids = [e["eventId"] for e in r["events"]]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)
    assert all(isinstance(e["ingestionTime"], int) for e in r["events"])
    assert r["searchedLogStreams"] == []  # no longer supported: always an empty list
    assert "nextToken" not in r
    arn = describe_group(logs, group)["logGroupArn"]
    assert logs.filter_log_events(logGroupIdentifier=arn)["events"] == r["events"]


def test_filter_log_events_stream_selection(logs, three_streams):
    group, _ = three_streams

    def streams_of(**kw):
        return [e["logStreamName"] for e in logs.filter_log_events(logGroupName=group, **kw)["events"]]

    assert streams_of(logStreamNames=["api-1", "worker"]) == ["api-1", "worker", "api-1", "worker"]
    assert streams_of(logStreamNamePrefix="api-") == ["api-1", "api-2", "api-1", "api-2"]
    assert streams_of(logStreamNamePrefix="nothing") == []
    code, _ = error_of(lambda: logs.filter_log_events(logGroupName=group, logStreamNames=["api-1"],
                                                      logStreamNamePrefix="api-"))
    assert code == "InvalidParameterException"
    assert error_of(lambda: logs.filter_log_events(logGroupName=group_name()))[0] == "ResourceNotFoundException"


def test_filter_log_events_time_range_is_inclusive(logs, three_streams):
    group, base = three_streams
    r = logs.filter_log_events(logGroupName=group, startTime=base + 1, endTime=base + 4)
    assert [e["message"] for e in r["events"]] == [m for _, o, m in STREAM_EVENTS if 1 <= o <= 4]


def test_filter_log_events_limit_and_next_token(logs):
    group, stream = make_stream(logs)
    base = now_ms() - 60 * SECOND
    expected = [f"event {i:02d}" for i in range(25)]
    put(logs, group, stream, [(base + i, m) for i, m in enumerate(expected)])
    got, token, calls = [], None, 0
    while True:
        kw = {"nextToken": token} if token else {}
        r = logs.filter_log_events(logGroupName=group, limit=7, **kw)
        assert len(r["events"]) <= 7
        got += [e["message"] for e in r["events"]]
        token = r.get("nextToken")
        calls += 1
        if not token:
            break
        assert calls < 50
    assert got == expected
    paginated = [e["message"] for p in logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 10}) for e in p["events"]]
    assert paginated == expected


PATTERN_MESSAGES = [
    "ERROR Exception: timeout",                                # 0
    "WARN disk almost full",                                   # 1
    "INFO request ok",                                         # 2
    "error in lower case",                                     # 3
    '{"status": 500, "latency": 120, "service": "api"}',       # 4
    '{"status": 200, "latency": 15, "service": "web"}',        # 5
    "10.0.0.1 alice 503",                                      # 6
    "10.0.0.2 bob 200",                                        # 7
    "10.0.0.3 carol 504",                                      # 8
    "ERROR Exception: crash",                                  # 9
]


@pytest.fixture(scope="module")
def pattern_group(logs):
    group, stream = make_stream(logs)
    base = now_ms() - 60 * SECOND
    put(logs, group, stream, [(base + i, m) for i, m in enumerate(PATTERN_MESSAGES)])
    return group


@pytest.mark.parametrize("pattern,expected", [
    ("", list(range(10))),
    ("ERROR", [0, 9]),                                   # terms are case sensitive
    ("ERROR Exception", [0, 9]),                         # every term must appear
    ('"Exception: timeout"', [0]),                       # a quoted phrase
    ("?ERROR ?WARN", [0, 1, 9]),                         # any of the terms
    ("ERROR -timeout", [9]),                             # a term excluded
    ("{ $.status = 500 }", [4]),
    ("{ $.latency > 100 }", [4]),
    ('{ $.service = "web" }', [5]),
    ('{ ($.status = 500) || ($.service = "web") }', [4, 5]),
    ("[ip, user, status=5*]", [6, 8]),                   # space-delimited, field count must match
    ("[ip, user=bob, status]", [7]),
])
def test_filter_log_events_filter_patterns(logs, pattern_group, pattern, expected):
    r = logs.filter_log_events(logGroupName=pattern_group, filterPattern=pattern)
    assert [e["message"] for e in r["events"]] == [PATTERN_MESSAGES[i] for i in expected]


# ---------------------------------------------------------------------------------------------
# 6. Metric filters

APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
]
APP_LOG = [
    "02 May 2014 00:34:12,525 [INFO] Starting the application",
    "02 May 2014 00:35:14,245 [DEBUG] Database connection established",
    "02 May 2014 00:34:14,663 [INFO] Executing SQL Query",
    "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
    "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
]


def test_test_metric_filter_space_delimited_extracts_named_fields(logs):
    # The API reference's own TestMetricFilter example.
    r = logs.test_metric_filter(filterPattern="[ip, identity, user_id, timestamp, request, status_code, size]",
                                logEventMessages=APACHE)
    assert [m["eventNumber"] for m in r["matches"]] == [0, 1, 2]
    assert r["matches"][2] == {"eventNumber": 2, "eventMessage": APACHE[2], "extractedValues": {
        "$ip": "127.0.0.1", "$identity": "-", "$user_id": "frank", "$timestamp": "10/Oct/2000:13:50:35 -0700",
        "$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "200", "$size": "4355"}}
    assert r["matches"][1]["extractedValues"]["$status_code"] == "500"


def test_test_metric_filter_condition_after_ellipsis(logs):
    r = logs.test_metric_filter(filterPattern="[..., status_code=200, size]", logEventMessages=APACHE)
    assert [m["eventNumber"] for m in r["matches"]] == [0, 2]
    assert [(m["extractedValues"]["$status_code"], m["extractedValues"]["$size"]) for m in r["matches"]] == \
        [("200", "1534"), ("200", "4355")]


def test_test_metric_filter_terms(logs):
    r = logs.test_metric_filter(filterPattern='"[ERROR]"', logEventMessages=APP_LOG)
    assert r["matches"] == [{"eventNumber": 3, "eventMessage": APP_LOG[3], "extractedValues": {}},
                            {"eventNumber": 4, "eventMessage": APP_LOG[4], "extractedValues": {}}]
    r = logs.test_metric_filter(filterPattern='"[ERROR]" Exception', logEventMessages=APP_LOG)
    assert [m["eventNumber"] for m in r["matches"]] == [3]


def test_test_metric_filter_json_and_errors(logs):
    r = logs.test_metric_filter(filterPattern="{ $.status = 500 }",
                                logEventMessages=['{"status": 500}', '{"status": 200}', "not json"])
    assert [(m["eventNumber"], m["eventMessage"]) for m in r["matches"]] == [(0, '{"status": 500}')]
    assert logs.test_metric_filter(filterPattern="NOPE", logEventMessages=["a", "b"]).get("matches", []) == []
    assert [m["eventNumber"] for m in logs.test_metric_filter(filterPattern="b", logEventMessages=["a", "b"])["matches"]] == [1]
    code, _ = error_of(lambda: logs.test_metric_filter(filterPattern="{ $.status = }", logEventMessages=["x"]))
    assert code == "InvalidParameterException"


def errors_filter(namespace, **extra):
    return [dict({"metricName": "Errors", "metricNamespace": namespace, "metricValue": "1", "unit": "Count"}, **extra)]


def latency_filter(namespace):
    return [{"metricName": "Latency", "metricNamespace": namespace, "metricValue": "$.latency",
             "dimensions": {"Service": "$.service"}, "unit": "Milliseconds"}]


def test_put_describe_and_delete_metric_filters(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    n = ns()
    before = now_ms()
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                           metricTransformations=errors_filter(n, defaultValue=0.0))
    logs.put_metric_filter(logGroupName=group, filterName="latency", filterPattern="{ $.latency > 0 }",
                           metricTransformations=latency_filter(n))
    filters = logs.describe_metric_filters(logGroupName=group)["metricFilters"]
    assert [(f["filterName"], f["filterPattern"], f["logGroupName"]) for f in filters] == \
        [("errors", "ERROR", group), ("latency", "{ $.latency > 0 }", group)]
    assert all(before - SECOND <= f["creationTime"] <= now_ms() + SECOND for f in filters)
    errors, latency = (f["metricTransformations"] for f in filters)
    assert [{k: t[k] for k in ("metricName", "metricNamespace", "metricValue", "defaultValue", "unit")}
            for t in errors] == errors_filter(n, defaultValue=0.0)
    assert [{k: t[k] for k in ("metricName", "metricNamespace", "metricValue", "dimensions", "unit")}
            for t in latency] == latency_filter(n)
    assert describe_group(logs, group)["metricFilterCount"] == 2

    def names(**kw):
        return [(f["filterName"], f["logGroupName"]) for f in logs.describe_metric_filters(**kw)["metricFilters"]]

    assert names(logGroupName=group, filterNamePrefix="lat") == [("latency", group)]
    assert names(metricName="Latency", metricNamespace=n) == [("latency", group)]  # across log groups
    assert names(logGroupName=group, limit=1) == [("errors", group)]
    assert error_of(lambda: logs.describe_metric_filters(metricName="Latency"))[0] == "InvalidParameterException"

    # Putting the same name again replaces the filter.
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="?ERROR ?FATAL",
                           metricTransformations=errors_filter(n))
    assert [f["filterPattern"] for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]] == \
        ["?ERROR ?FATAL", "{ $.latency > 0 }"]
    logs.delete_metric_filter(logGroupName=group, filterName="errors")
    assert names(logGroupName=group) == [("latency", group)]
    assert describe_group(logs, group)["metricFilterCount"] == 1
    assert error_of(lambda: logs.delete_metric_filter(logGroupName=group, filterName="errors"))[0] == \
        "ResourceNotFoundException"
    assert error_of(lambda: logs.put_metric_filter(logGroupName=group_name(), filterName="f", filterPattern="x",
                                                   metricTransformations=errors_filter(n)))[0] == \
        "ResourceNotFoundException"
    assert error_of(lambda: logs.describe_metric_filters(logGroupName=group_name()))[0] == "ResourceNotFoundException"


def test_metric_filter_dimension_limit(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    code, _ = error_of(lambda: logs.put_metric_filter(
        logGroupName=group, filterName="many", filterPattern="{ $.a = 1 }",
        metricTransformations=[{"metricName": "M", "metricNamespace": ns(), "metricValue": "1",
                                "dimensions": {f"D{i}": f"$.d{i}" for i in range(4)}}]))
    assert code == "InvalidParameterException"


def test_metric_filters_publish_metrics(logs, cw):
    group, stream = make_stream(logs)
    n = ns()
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                           metricTransformations=errors_filter(n))
    logs.put_metric_filter(logGroupName=group, filterName="latency", filterPattern="{ $.latency > 0 }",
                           metricTransformations=latency_filter(n))
    base = now_ms() - 60 * SECOND
    put(logs, group, stream, [(base, "ERROR one"), (base + 1, '{"latency": 120, "service": "api"}'),
                              (base + 2, "INFO fine"), (base + 3, "ERROR two"),
                              (base + 4, '{"latency": 30, "service": "api"}'),
                              (base + 5, '{"latency": 7, "service": "web"}')])
    start, end = base - 5 * 60 * SECOND, now_ms() + 5 * 60 * SECOND

    def totals():
        return (metric_totals(cw, n, "Errors", start, end),
                metric_totals(cw, n, "Latency", start, end, [{"Name": "Service", "Value": "api"}]),
                metric_totals(cw, n, "Latency", start, end, [{"Name": "Service", "Value": "web"}]))

    expected = ((2.0, 2.0, ["Count"]), (150.0, 2.0, ["Milliseconds"]), (7.0, 1.0, ["Milliseconds"]))
    assert poll(totals, lambda v: v == expected) == expected
    listed = cw.list_metrics(Namespace=n)["Metrics"]
    assert sorted((m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in listed) == \
        [("Errors", ()), ("Latency", (("Service", "api"),)), ("Latency", (("Service", "web"),))]


def test_metric_filter_default_value_reported_when_nothing_matches(logs, cw):
    group, stream = make_stream(logs)
    n = ns()
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                           metricTransformations=errors_filter(n, defaultValue=0.0))
    base = now_ms() - 60 * SECOND
    put(logs, group, stream, [(base, "INFO a"), (base + 1, "INFO b"), (base + 2, "INFO c")])
    start, end = base - 5 * 60 * SECOND, now_ms() + 5 * 60 * SECOND
    total, samples, _ = poll(lambda: metric_totals(cw, n, "Errors", start, end), lambda v: v[1] >= 1)
    assert total == 0.0 and samples >= 1


# ---------------------------------------------------------------------------------------------
# 7. Retention


def test_retention_policy(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    for days in RETENTION_DAYS:
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)
        assert describe_group(logs, group)["retentionInDays"] == days
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    for bad in (0, 2, 4, 3650, -1):
        assert error_of(lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=bad))[0] == \
            "InvalidParameterException", bad
    assert describe_group(logs, group)["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in describe_group(logs, group)
    assert error_of(lambda: logs.put_retention_policy(logGroupName=group_name(), retentionInDays=7))[0] == \
        "ResourceNotFoundException"
    assert error_of(lambda: logs.delete_retention_policy(logGroupName=group_name()))[0] == "ResourceNotFoundException"


# ---------------------------------------------------------------------------------------------
# 8. Tags


def test_tag_resource_untag_resource_list_tags_for_resource(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group, tags={"team": "ops"})
    arn = describe_group(logs, group)["logGroupArn"]
    assert arn == group_arn(group)
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "ops"}
    logs.tag_resource(resourceArn=arn, tags={"env": "dev", "team": "sre"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev", "team": "sre"}
    logs.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    logs.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert logs.list_tags_for_resource(resourceArn=arn).get("tags", {}) == {}
    missing = group_arn(group_name())
    for call in (lambda: logs.tag_resource(resourceArn=missing, tags={"a": "b"}),
                 lambda: logs.untag_resource(resourceArn=missing, tagKeys=["a"]),
                 lambda: logs.list_tags_for_resource(resourceArn=missing)):
        assert error_of(call)[0] == "ResourceNotFoundException"


def test_tag_limits(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group)
    arn = group_arn(group)
    assert error_of(lambda: logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(51)}))[0] == \
        "InvalidParameterException"
    logs.tag_resource(resourceArn=arn, tags={f"a{i}": "v" for i in range(30)})
    assert error_of(lambda: logs.tag_resource(resourceArn=arn, tags={f"b{i}": "v" for i in range(30)}))[0] == \
        "TooManyTagsException"
    assert len(logs.list_tags_for_resource(resourceArn=arn)["tags"]) == 30


def test_legacy_tag_log_group_operations(logs):
    group = group_name()
    logs.create_log_group(logGroupName=group, tags={"env": "dev"})
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"env": "dev"}
    logs.tag_log_group(logGroupName=group, tags={"cost": "42", "env": "prod"})
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"cost": "42", "env": "prod"}
    assert logs.list_tags_for_resource(resourceArn=group_arn(group))["tags"] == {"cost": "42", "env": "prod"}
    logs.untag_log_group(logGroupName=group, tags=["env"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"cost": "42"}
    assert error_of(lambda: logs.list_tags_log_group(logGroupName=group_name()))[0] == "ResourceNotFoundException"
    assert error_of(lambda: logs.tag_log_group(logGroupName=group_name(), tags={"a": "b"}))[0] == \
        "ResourceNotFoundException"


# ---------------------------------------------------------------------------------------------
# 9. Embedded metric format


@pytest.mark.parametrize("emf_header", [False, True], ids=["plain", "x-amzn-logs-format"])
def test_embedded_metric_format_creates_metrics(server, cw, emf_header):
    logs = server.client("logs")
    if emf_header:  # optional since 2023; older EMF clients still send it
        event = f"before-sign.{logs.meta.service_model.service_id.hyphenize()}.PutLogEvents"
        logs.meta.events.register(event, lambda request, **_: request.headers.__setitem__("x-amzn-logs-format",
                                                                                          "json/emf"))
    group, stream = make_stream(logs)
    n = ns()
    t = now_ms() - 30 * SECOND
    doc = {"_aws": {"Timestamp": t, "CloudWatchMetrics": [{"Namespace": n, "Dimensions": [["Service"]],
                                                           "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
           "Service": "checkout", "Latency": 42, "RequestId": "r-1"}
    put(logs, group, stream, [(t, json.dumps(doc))])
    listed = poll(lambda: cw.list_metrics(Namespace=n)["Metrics"], lambda m: len(m) > 0)
    assert [(m["Namespace"], m["MetricName"], m["Dimensions"]) for m in listed] == \
        [(n, "Latency", [{"Name": "Service", "Value": "checkout"}])]
    start, end = t - 5 * 60 * SECOND, now_ms() + 5 * 60 * SECOND
    assert metric_totals(cw, n, "Latency", start, end, [{"Name": "Service", "Value": "checkout"}]) == \
        (42.0, 1.0, ["Milliseconds"])
    # The event itself is kept as an ordinary log event.
    assert [json.loads(m) for m in messages(logs, group, stream)] == [doc]


# ---------------------------------------------------------------------------------------------
# 10. AWS CLI


def test_cli_create_put_get_and_filter(server, logs):
    group = group_name()
    server.cli("logs", "create-log-group", "--log-group-name", group)
    logs.create_log_stream(logGroupName=group, logStreamName="cli")
    t = now_ms() - 10 * SECOND
    server.cli("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "cli", "--log-events",
               json.dumps([{"timestamp": t, "message": "hello from the cli"},
                           {"timestamp": t + 1, "message": "ERROR from the cli"}]))
    out = json.loads(server.cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "cli",
                                "--start-from-head").stdout)
    assert [e["message"] for e in out["events"]] == ["hello from the cli", "ERROR from the cli"]
    # The CLI pages filter-log-events itself until no nextToken comes back.
    out = json.loads(server.cli("logs", "filter-log-events", "--log-group-name", group,
                                "--filter-pattern", "ERROR").stdout)
    assert [(e["logStreamName"], e["message"]) for e in out["events"]] == [("cli", "ERROR from the cli")]


def test_cli_logs_tail(server, logs):
    group, stream = make_stream(logs, stream="tailed")
    t = now_ms() - 60 * SECOND
    put(logs, group, stream, [(t, "tail line one"), (t + 1, "tail line two")])
    p = server.cli("logs", "tail", group, "--since", "1h", check=False)
    if p.returncode != 0 and "invalid choice" in p.stderr.lower():
        pytest.skip("`aws logs tail` is an AWS CLI v2 command; the installed CLI is v1")
    assert p.returncode == 0, p.stderr
    lines = [line for line in p.stdout.splitlines() if "tail line" in line]
    assert len(lines) == 2
    assert lines[0].endswith("tail line one") and lines[1].endswith("tail line two")
    assert all(stream in line for line in lines)


# ---------------------------------------------------------------------------------------------
# 11. Crash safety


def test_acknowledged_log_events_survive_kill_9(make_server, tmp_path):
    """Writers put batches into their own streams; the server is killed mid-stream; after a restart
    on the same data directory every batch that PutLogEvents answered is there, in order."""
    s = make_server("--data-dir", str(tmp_path))
    setup = s.client("logs")
    group = group_name()
    setup.create_log_group(logGroupName=group)
    writers = 4
    for w in range(writers):
        setup.create_log_stream(logGroupName=group, logStreamName=f"w{w}")
    acknowledged = {w: [] for w in range(writers)}
    stop = threading.Event()
    base = now_ms() - 10 * 60 * SECOND

    def writer(w):
        client = s.client("logs")
        i = 0
        while not stop.is_set():
            batch = [{"timestamp": base + i * 20 + k, "message": f"w{w}-{i}-{k}"} for k in range(20)]
            try:
                client.put_log_events(logGroupName=group, logStreamName=f"w{w}", logEvents=batch)
            except Exception:
                return
            acknowledged[w].extend(e["message"] for e in batch)
            i += 1

    kill_during(s, writer, stop, writers=writers)
    assert all(acknowledged.values()), "a writer had no batch acknowledged before the kill"

    s2 = make_server("--data-dir", str(tmp_path))
    logs = s2.client("logs")
    assert [st["logStreamName"] for st in logs.describe_log_streams(logGroupName=group)["logStreams"]] == \
        [f"w{w}" for w in range(writers)]
    total = 0
    for w in range(writers):
        got = messages(logs, group, f"w{w}")
        ack = acknowledged[w]
        # Acknowledged batches are all there; the batch in flight at the kill may be there, whole.
        assert got[:len(ack)] == ack, w
        assert len(got) in (len(ack), len(ack) + 20), (w, len(ack), len(got))
        total += len(got)
    filtered = sum(len(p["events"]) for p in logs.get_paginator("filter_log_events").paginate(logGroupName=group))
    assert filtered == total


def test_start_live_tail_streams_new_events(server):
    """StartLiveTail answers an event stream: sessionStart, then a sessionUpdate a second with the
    events ingested since (filtered by the session's pattern). botocore prefixes the host with
    `streaming-` for this operation; against a local endpoint that prefix must be turned off."""
    live = server.client("logs", config=Config(inject_host_prefix=False, read_timeout=10))
    logs = server.client("logs")
    group, stream = make_stream(logs)
    arn = group_arn(group)
    response = live.start_live_tail(logGroupIdentifiers=[arn], logEventFilterPattern="ERROR")
    events = response["responseStream"]
    first = next(iter(events))
    assert first["sessionStart"]["logGroupIdentifiers"] == [arn] and first["sessionStart"]["sessionId"]
    put(logs, group, stream, [(now_ms(), "INFO fine"), (now_ms(), "ERROR broken")])
    seen = []
    deadline = time.time() + 8
    for event in events:
        update = event.get("sessionUpdate")
        if update:
            seen += [(r["logStreamName"], r["message"], r["logGroupIdentifier"]) for r in update["sessionResults"]]
        if seen or time.time() > deadline:
            break
    events.close()
    assert seen == [(stream, "ERROR broken", arn)]
    with pytest.raises(ClientError) as e:
        live.start_live_tail(logGroupIdentifiers=[group_arn("/no/such/group")])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
