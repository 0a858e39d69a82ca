"""Logs Insights through boto3: StartQuery over two log groups, GetQueryResults until
Complete, the statistics, @ptr back through GetLogRecord, StopQuery, DescribeQueries,
GetLogGroupFields, and AWS's errors (MalformedQueryException with its location)."""
import json
import signal
import time
import uuid

import pytest
from botocore.exceptions import ClientError


def wait(logs, query_id, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = logs.get_query_results(queryId=query_id)
        if out["status"] in ("Complete", "Failed", "Cancelled", "Timeout"):
            return out
        time.sleep(0.2)
    raise AssertionError("query did not finish")


def rows(out):
    return [{f["field"]: f["value"] for f in r} for r in out["results"]]


@pytest.fixture
def groups(server):
    logs = server.client("logs")
    names = [f"/e2e/insights-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    now = int(time.time() * 1000)
    for i, name in enumerate(names):
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="s")
        events = [{"timestamp": now - 60_000 + k * 1000,
                   "message": json.dumps({"level": "ERROR" if k % 3 == 0 else "INFO", "latency": k * 10, "group": i})}
                  for k in range(30)]
        logs.put_log_events(logGroupName=name, logStreamName="s", logEvents=events)
    yield logs, names, now
    for name in names:
        logs.delete_log_group(logGroupName=name)


def test_query_over_two_groups(groups):
    logs, names, now = groups
    start = logs.start_query(logGroupNames=names, startTime=now // 1000 - 300, endTime=now // 1000 + 60,
                             queryString="filter level = 'ERROR' | stats count(*) as errors, max(latency) as worst by group | sort group")
    out = wait(logs, start["queryId"])
    assert out["status"] == "Complete"
    assert rows(out) == [{"group": "0", "errors": "10", "worst": "270"}, {"group": "1", "errors": "10", "worst": "270"}]
    stats = out["statistics"]
    assert stats["recordsScanned"] == 60 and stats["recordsMatched"] == 20 and stats["logGroupsScanned"] == 2
    assert stats["bytesScanned"] > 0

    plain = wait(logs, logs.start_query(logGroupName=names[0], startTime=now // 1000 - 300, endTime=now // 1000 + 60,
                                        queryString="fields @timestamp, latency | sort latency desc | limit 3", limit=2)["queryId"])
    got = rows(plain)
    assert [r["latency"] for r in got] == ["290", "280"]
    assert all(set(r) == {"@timestamp", "latency", "@ptr"} for r in got)
    record = logs.get_log_record(logRecordPointer=got[0]["@ptr"])["logRecord"]
    assert json.loads(record["@message"])["latency"] == 290 and record["@logStream"] == "s" and record["latency"] == "290"

    described = logs.describe_queries(logGroupName=names[0])["queries"]
    assert any(q["queryId"] == start["queryId"] for q in logs.describe_queries()["queries"])
    assert described and all(q["status"] == "Complete" for q in described)
    fields = {f["name"]: f["percent"] for f in logs.get_log_group_fields(logGroupName=names[0])["logGroupFields"]}
    assert fields["level"] == 100 and fields["@message"] == 100


def test_pattern_clusters_plain_lines_across_groups(groups):
    logs, names, now = groups
    for i, name in enumerate(names):
        logs.create_log_stream(logGroupName=name, logStreamName="plain")
        logs.put_log_events(logGroupName=name, logStreamName="plain", logEvents=[
            {"timestamp": now - 30_000 + k, "message": f"[ERROR] payment {k} failed for user{k % 3}" if k % 4 == 0
             else f"[INFO] request took {k * 7} ms"} for k in range(20)])
    out = wait(logs, logs.start_query(logGroupNames=names, startTime=now // 1000 - 300, endTime=now // 1000 + 60,
                                      queryString="filter @logStream = 'plain' | pattern @message")["queryId"])
    assert out["status"] == "Complete"
    assert rows(out) == [
        {"@pattern": "[INFO] request took <Token-1> ms", "@ratio": "0.75", "@sampleCount": "30", "@severityLabel": "Info"},
        {"@pattern": "[ERROR] payment <Token-1> failed for <Token-2>", "@ratio": "0.25", "@sampleCount": "10", "@severityLabel": "Error"},
    ]


def test_source_selects_groups_by_prefix(groups):
    logs, names, now = groups
    query = f"SOURCE logGroups(namePrefix: ['{names[0]}', '{names[1]}']) | stats count(*) as n"
    out = wait(logs, logs.start_query(startTime=now // 1000 - 300, endTime=now // 1000 + 60, queryString=query)["queryId"])
    assert out["status"] == "Complete" and rows(out) == [{"n": "60"}] and out["statistics"]["logGroupsScanned"] == 2
    one = wait(logs, logs.start_query(startTime=now // 1000 - 300, endTime=now // 1000 + 60,
                                      queryString=f"SOURCE logGroups(namePrefix: ['{names[1]}']) | stats count(*) as n")["queryId"])
    assert rows(one) == [{"n": "30"}]
    with pytest.raises(ClientError) as e:
        logs.start_query(logGroupName=names[0], startTime=now // 1000 - 300, endTime=now // 1000, queryString=query)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.start_query(startTime=now // 1000 - 300, endTime=now // 1000, queryString="stats count(*)")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.start_query(startTime=now // 1000 - 300, endTime=now // 1000,
                         queryString="SOURCE logGroups(namePrefix: ['a','b','c','d','e','f']) | stats count(*)")
    assert e.value.response["Error"]["Code"] == "MalformedQueryException"


def test_query_errors(groups):
    logs, names, now = groups
    with pytest.raises(ClientError) as e:
        logs.start_query(logGroupName=names[0], startTime=0, endTime=10, queryString="fields a | frobnicate b")
    err = e.value.response
    assert err["Error"]["Code"] == "MalformedQueryException"
    assert err["queryCompileError"]["location"] == {"startCharOffset": 11, "endCharOffset": 20}
    with pytest.raises(ClientError) as e:
        logs.start_query(logGroupName="/no/such/group", startTime=0, endTime=10, queryString="fields @message")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        logs.start_query(logGroupName=names[0], startTime=0, endTime=10, queryString="fields @message", queryLanguage="SQL")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.get_query_results(queryId=str(uuid.uuid4()))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    done = wait(logs, logs.start_query(logGroupName=names[0], startTime=0, endTime=10, queryString="fields @message")["queryId"])
    assert done["status"] == "Complete" and done["results"] == []
    with pytest.raises(ClientError) as e:
        logs.stop_query(queryId=logs.describe_queries(logGroupName=names[0])["queries"][0]["queryId"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"


def test_query_definitions(server):
    logs = server.client("logs")
    name = f"saved-{uuid.uuid4().hex[:8]}"
    qid = logs.put_query_definition(name=name, queryString="fields @timestamp | limit 5", logGroupNames=["/a"])["queryDefinitionId"]
    logs.put_query_definition(name=name, queryDefinitionId=qid, queryString="stats count(*)")
    found = logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"]
    # An update replaces the definition: its log groups are gone with the new one.
    assert [(d["queryDefinitionId"], d["queryString"], d.get("logGroupNames", [])) for d in found] == [(qid, "stats count(*)", [])]
    with pytest.raises(ClientError) as e:
        logs.put_query_definition(name=name, queryString="frobnicate")
    assert e.value.response["Error"]["Code"] == "MalformedQueryException"
    assert logs.delete_query_definition(queryDefinitionId=qid)["success"] is True
    with pytest.raises(ClientError) as e:
        logs.delete_query_definition(queryDefinitionId=qid)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"] == []


LONG_EVENTS = 200_000
# A regex parse per event and a high-cardinality stats: a scan of LONG_EVENTS takes seconds.
LONG_QUERY = r"parse @message /line (?<a>\d+)-(?<b>\d+) (?<rest>.*)/ | filter rest like /x+/ | stats count(*) as n by b | sort n desc"


def load_long_group(logs, group):
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    for batch in range(LONG_EVENTS // 10_000):
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now - 60_000 + batch, "message": f"line {batch}-{i} " + "x" * 60}
                                       for i in range(10_000)])
    return now


def start_long(logs, group, now):
    return logs.start_query(logGroupName=group, startTime=now // 1000 - 300, endTime=now // 1000 + 60,
                            queryString=LONG_QUERY, limit=10_000)["queryId"]


def test_partial_results_while_a_long_query_runs(server):
    """GetQueryResults answers the rows so far while the query is Running (refreshed about once a
    second), with statistics that grow, and the complete answer at the end."""
    logs = server.client("logs")
    group = f"/e2e/insights-long-{uuid.uuid4().hex[:8]}"
    now = load_long_group(logs, group)
    qid = start_long(logs, group, now)
    partial, scanned = None, []
    deadline = time.time() + 120
    while time.time() < deadline:
        out = logs.get_query_results(queryId=qid)
        if out["status"] != "Running" and out["status"] != "Scheduled":
            break
        scanned.append(out["statistics"]["recordsScanned"])
        if out["results"] and partial is None:
            partial = out
        time.sleep(0.1)
    assert out["status"] == "Complete", out["status"]
    assert partial is not None, f"no partial rows seen while Running (scanned so far: {scanned})"
    assert 0 < partial["statistics"]["recordsScanned"] < LONG_EVENTS
    assert scanned == sorted(scanned)
    done = rows(out)
    assert len(done) == 10_000 and all(r["n"] == str(LONG_EVENTS // 10_000) for r in done)
    assert out["statistics"]["recordsScanned"] == LONG_EVENTS
    logs.delete_log_group(logGroupName=group)


def test_kill_9_during_a_running_query_leaves_the_store_intact(make_server, tmp_path):
    """A query never writes the store: killed mid-scan, the server restarts with every event, the
    lost query answers ResourceNotFoundException, and running it again gives the whole answer."""
    s = make_server("--data-dir", str(tmp_path))
    logs = s.client("logs")
    group = "/durability/insights"
    now = load_long_group(logs, group)
    qid = start_long(logs, group, now)
    deadline = time.time() + 30
    while logs.get_query_results(queryId=qid)["status"] == "Scheduled" and time.time() < deadline:
        time.sleep(0.05)
    assert logs.get_query_results(queryId=qid)["status"] == "Running", "the query ended before the kill: nothing tested"
    s.stop(signal.SIGKILL)
    s2 = make_server("--data-dir", str(tmp_path))
    logs2 = s2.client("logs")
    with pytest.raises(ClientError) as e:
        logs2.get_query_results(queryId=qid)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    out = wait(logs2, start_long(logs2, group, now), timeout=120)
    assert out["status"] == "Complete" and out["statistics"]["recordsScanned"] == LONG_EVENTS
    assert sum(int(r["n"]) for r in rows(out)) == LONG_EVENTS


def test_a_rare_term_skips_sealed_blocks_by_their_trigram_filters(make_server):
    """Once sealed, blocks carry trigram filters: a literal term absent from a block skips it
    (reported as estimatedRecordsSkipped / estimatedBytesSkipped), and the events that hold
    the term are still found."""
    s = make_server("--in-memory", "--operator-token", "op")
    logs = s.client("logs")
    group = "/e2e/skipping"
    logs.create_log_group(logGroupName=group)
    now = int(time.time() * 1000)
    for k in range(4):
        logs.create_log_stream(logGroupName=group, logStreamName=f"s{k}")
        logs.put_log_events(logGroupName=group, logStreamName=f"s{k}", logEvents=[
            {"timestamp": now - 60_000 + i, "message": f"request {i} handled" + (" zq7rare" if k == 2 and i == 500 else "")}
            for i in range(2000)])
    status, _ = s.post("/_trailwatch/maintenance", headers={"x-trailwatch-operator-token": "op"})
    assert status == 200
    for query, matched in [("filter @message like /zq7rare/ | fields @message", 1), ('filter @message like "zq7rare"', 1),
                           ("filter @message like /nowhere-at-all/", 0)]:
        qid = logs.start_query(logGroupName=group, startTime=now // 1000 - 300, endTime=now // 1000 + 60, queryString=query)["queryId"]
        out = wait(logs, qid)
        st = out["statistics"]
        assert st["recordsMatched"] == matched, query
        assert st["estimatedRecordsSkipped"] >= 6000 and st["recordsScanned"] + st["estimatedRecordsSkipped"] == 8000, (query, st)
        assert st["estimatedBytesSkipped"] > 0
    # A term the filter cannot judge (shorter than 3 bytes) skips nothing.
    qid = logs.start_query(logGroupName=group, startTime=now // 1000 - 300, endTime=now // 1000 + 60, queryString="filter @message like /zq/")["queryId"]
    assert wait(logs, qid)["statistics"]["estimatedRecordsSkipped"] == 0
