"""Logs Insights' lookup tables, field indexes and diff through boto3: the lookup-table and
index-policy operations and their errors, a query joining a table, filterIndex skipping the
groups not indexed on its field and the events from before the index, DescribeFieldIndexes read
from the events, and diff comparing patterns with the previous period."""
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from test_logs_insights import rows, wait

CSV = "id,name,team\nu1,Ana,web\nu2,\"Bo, Jr.\",pay\n"


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def logs(server):
    return server.client("logs")


@pytest.fixture
def table(logs):
    name = f"users_{uuid.uuid4().hex[:8]}"
    arn = logs.create_lookup_table(lookupTableName=name, tableBody=CSV, description="people")["lookupTableArn"]
    yield name, arn
    try:
        logs.delete_lookup_table(lookupTableArn=arn)
    except ClientError:
        pass


def group_with(logs, messages, at=None):
    name = f"/e2e/lookup-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    put(logs, name, messages, at)
    return name


def put(logs, name, messages, at=None):
    at = at or int(time.time() * 1000)
    logs.put_log_events(logGroupName=name, logStreamName="s",
                        logEvents=[{"timestamp": at + i, "message": m} for i, m in enumerate(messages)])


def query(logs, text, start, end, **names):
    return wait(logs, logs.start_query(queryString=text, startTime=start, endTime=end, **names)["queryId"])


def test_lookup_table_operations(logs, table):
    name, arn = table
    assert arn.endswith(f":lookup-table:{name}")
    got = logs.get_lookup_table(lookupTableArn=arn)
    assert got["lookupTableName"] == name and got["tableBody"] == CSV and got["sizeBytes"] == len(CSV.encode())
    assert got["description"] == "people"
    listed = [t for t in logs.describe_lookup_tables(lookupTableNamePrefix=name)["lookupTables"] if t["lookupTableName"] == name]
    assert listed[0]["tableFields"] == ["id", "name", "team"] and listed[0]["recordsCount"] == 2
    updated = logs.update_lookup_table(lookupTableArn=arn, tableBody="id,name\nu3,Cy\n")
    assert updated["lastUpdatedTime"] >= got["lastUpdatedTime"]
    listed = logs.describe_lookup_tables(lookupTableNamePrefix=name)["lookupTables"]
    assert listed[0]["tableFields"] == ["id", "name"] and listed[0]["recordsCount"] == 1

    with pytest.raises(ClientError) as e:
        logs.create_lookup_table(lookupTableName=name, tableBody=CSV)
    assert code(e) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as e:
        logs.create_lookup_table(lookupTableName="has-hyphen", tableBody=CSV)
    assert code(e) == "InvalidParameterException"
    for bad in ["id,id\n1,2\n", "id,name\nu1\n", "id,name\n\"open,1\n"]:
        with pytest.raises(ClientError) as e:
            logs.create_lookup_table(lookupTableName=f"bad_{uuid.uuid4().hex[:6]}", tableBody=bad)
        assert code(e) == "InvalidParameterException", bad
    logs.delete_lookup_table(lookupTableArn=arn)
    for call in (lambda: logs.get_lookup_table(lookupTableArn=arn), lambda: logs.delete_lookup_table(lookupTableArn=arn),
                 lambda: logs.update_lookup_table(lookupTableArn=arn, tableBody=CSV)):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "ResourceNotFoundException"


def test_query_joins_a_lookup_table(logs, table):
    name, _ = table
    group = group_with(logs, [json.dumps({"user": u, "ms": n}) for u, n in [("u1", 5), ("u2", 7), ("u1", 9), ("u7", 1)]])
    try:
        now = int(time.time())
        out = query(logs, f"fields user, ms | lookup {name} id as user OUTPUT name, team | stats sum(ms) as ms by team, name | sort team",
                    now - 300, now + 60, logGroupName=group)
        assert out["status"] == "Complete"
        assert rows(out) == [{"team": "pay", "name": "Bo, Jr.", "ms": "7"}, {"team": "web", "name": "Ana", "ms": "14"}, {"ms": "1"}]
        with pytest.raises(ClientError) as e:
            logs.start_query(logGroupName=group, startTime=now - 300, endTime=now + 60,
                             queryString="lookup no_such_table id as user OUTPUT name")
        assert code(e) == "ResourceNotFoundException"
    finally:
        logs.delete_log_group(logGroupName=group)


def test_filter_index_reads_only_indexed_groups_and_events(logs):
    indexed = group_with(logs, [json.dumps({"requestId": "r-1", "n": 1})])
    plain = group_with(logs, [json.dumps({"requestId": "r-1", "n": 2})])
    try:
        time.sleep(0.05)
        policy = logs.put_index_policy(logGroupIdentifier=indexed, policyDocument=json.dumps({"Fields": ["requestId"]}))["indexPolicy"]
        assert policy["source"] == "LOG_GROUP" and policy["logGroupIdentifier"].endswith(f":log-group:{indexed}")
        time.sleep(0.05)
        put(logs, indexed, [json.dumps({"requestId": "r-1", "n": 3}), json.dumps({"requestId": "r-2", "n": 4})])
        described = logs.describe_index_policies(logGroupIdentifiers=[indexed])["indexPolicies"]
        assert json.loads(described[0]["policyDocument"]) == {"Fields": ["requestId"]}
        assert logs.describe_index_policies(logGroupIdentifiers=[plain])["indexPolicies"] == []

        now = int(time.time())
        out = query(logs, 'filterIndex requestId = "r-1" | fields n', now - 300, now + 60, logGroupNames=[indexed, plain])
        # Only the indexed group, and in it only the event ingested after the index.
        assert rows(out) == [{"n": "3", "@ptr": rows(out)[0]["@ptr"]}]
        assert out["statistics"]["logGroupsScanned"] == 1
        out = query(logs, 'filter requestId = "r-1" | stats count(*) as n', now - 300, now + 60, logGroupNames=[indexed, plain])
        assert rows(out) == [{"n": "3"}]
        out = query(logs, 'filterIndex requestId in ["r-1", "r-2"] | stats sum(n) as n', now - 300, now + 60, logGroupNames=[indexed])
        assert rows(out) == [{"n": "7"}]
        # A default index: every Standard group is indexed on @logStream.
        out = query(logs, 'filterIndex @logStream = "s" | stats count(*) as n', now - 300, now + 60, logGroupNames=[indexed, plain])
        assert rows(out) == [{"n": "4"}]

        fields = logs.describe_field_indexes(logGroupIdentifiers=[indexed])["fieldIndexes"]
        assert [(f["fieldIndexName"], f["type"]) for f in fields] == [("requestId", "FIELD_INDEX")]
        assert fields[0]["firstEventTime"] <= fields[0]["lastEventTime"]

        for doc in ["not json", "{}", json.dumps({"Fields": []}), json.dumps({"Fields": [f"f{i}" for i in range(21)]}),
                    json.dumps({"Fields": ["a"], "FieldsV2": {"a": {"type": "FACET"}}}), json.dumps({"FieldsV2": {"a": {"type": "OTHER"}}})]:
            with pytest.raises(ClientError) as e:
                logs.put_index_policy(logGroupIdentifier=indexed, policyDocument=doc)
            assert code(e) == "InvalidParameterException", doc
        with pytest.raises(ClientError) as e:
            logs.put_index_policy(logGroupIdentifier="/e2e/no-such-group", policyDocument=json.dumps({"Fields": ["a"]}))
        assert code(e) == "ResourceNotFoundException"

        logs.delete_index_policy(logGroupIdentifier=indexed)
        with pytest.raises(ClientError) as e:
            logs.delete_index_policy(logGroupIdentifier=indexed)
        assert code(e) == "ResourceNotFoundException"
        out = query(logs, 'filterIndex requestId = "r-1" | fields n', now - 300, now + 60, logGroupNames=[indexed])
        assert rows(out) == [] and out["statistics"]["logGroupsScanned"] == 0
    finally:
        logs.delete_log_group(logGroupName=indexed)
        logs.delete_log_group(logGroupName=plain)


def test_diff_compares_with_the_previous_period(logs):
    now = int(time.time())
    group = group_with(logs, ["job 1 finished in 20 ms", "job 2 finished in 30 ms", "job 3 finished in 40 ms"],
                       at=(now - 900) * 1000)
    try:
        put(logs, group, ["job 4 finished in 10 ms", "disk full on /dev/sda1"], at=(now - 300) * 1000)
        out = query(logs, "fields @message | diff", now - 600, now, logGroupName=group)
        assert out["status"] == "Complete"
        got = {r["@pattern"]: r for r in rows(out)}
        job = got["job <Token-1> finished in <Token-2> ms"]
        assert (job["@sampleCount"], job["@previousSampleCount"], job["@diffEventCount"]) == ("1", "3", "-2")
        assert got["disk full on <Token-1>"]["@diffDescription"] == "New pattern"
        # The compared period's events count in the statistics, as AWS bills both periods.
        assert out["statistics"]["recordsScanned"] == 5
    finally:
        logs.delete_log_group(logGroupName=group)


def test_anomaly_marks_a_new_pattern(logs):
    now = int(time.time())
    name = f"/e2e/lookup-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    # One a minute for 25 minutes: steady.
    logs.put_log_events(logGroupName=name, logStreamName="s",
                        logEvents=[{"timestamp": (now - 1500 + 60 * i) * 1000, "message": f"request {i} ok"} for i in range(25)])
    group = name
    try:
        put(logs, group, ["disk full on sda"], at=(now - 30) * 1000)
        out = query(logs, "pattern @message | anomaly", now - 1800, now, logGroupName=group)
        got = {r["@pattern"]: r for r in rows(out)}
        assert got["disk full on sda"]["@isAnomaly"] == "true"
        assert got["disk full on sda"]["@anomalyTypes"] == "New Pattern"
        assert got["request <Token-1> ok"]["@isAnomaly"] == "false"
        with pytest.raises(ClientError) as e:
            logs.start_query(logGroupName=group, startTime=now - 60, endTime=now, queryString="fields @message | anomaly")
        assert code(e) == "MalformedQueryException"
    finally:
        logs.delete_log_group(logGroupName=group)
