"""Contributor Insights through boto3: a rule over log groups (JSON and CLF), its report computed
from the events that reached it, Describe/Enable/Disable/Delete with their partial failures,
tags on the rule's ARN, and AWS's errors."""
import json
import time
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError


def rule(keys, *, groups, fmt="JSON", value=None, filters=None, aggregate="Count", fields=None):
    d = {"Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": groups, "LogFormat": fmt,
         "Contribution": {"Keys": keys}, "AggregateOn": aggregate}
    if value:
        d["Contribution"]["ValueOf"] = value
    if filters:
        d["Contribution"]["Filters"] = filters
    if fields:
        d["Fields"] = fields
    return json.dumps(d)


@pytest.fixture
def env(server):
    cw, logs = server.client("cloudwatch"), server.client("logs")
    prefix = f"/e2e/ci-{uuid.uuid4().hex[:8]}"
    made = []

    def group(suffix):
        name = prefix + suffix
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="s")
        made.append(name)
        return name

    yield cw, logs, prefix, group
    for name in made:
        logs.delete_log_group(logGroupName=name)


def minute(now):
    return now // 60_000 * 60_000


def report(cw, name, start, end, **kw):
    return cw.get_insight_rule_report(RuleName=name, StartTime=datetime.fromtimestamp(start / 1000, timezone.utc),
                                      EndTime=datetime.fromtimestamp(end / 1000, timezone.utc), Period=60, **kw)


def test_a_json_rule_ranks_contributors_over_two_groups(env):
    cw, logs, prefix, group = env
    a, b = group("-a"), group("-b")
    name = f"top-ips-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=rule(
        ["$.ip"], groups=[prefix + "-*"], value="$.bytes", aggregate="Sum",
        filters=[{"Match": "$.method", "In": ["GET", "PUT"]}, {"Match": "$.bytes", "GreaterThan": 0}]))
    t0 = minute(int(time.time() * 1000)) - 120_000
    lines = [("10.0.0.1", "GET", 100), ("10.0.0.2", "GET", 50), ("10.0.0.1", "PUT", 25), ("10.0.0.3", "DELETE", 999),
             ("10.0.0.2", "GET", 0)]
    logs.put_log_events(logGroupName=a, logStreamName="s", logEvents=[
        {"timestamp": t0 + i * 1000, "message": json.dumps({"ip": ip, "method": m, "bytes": n})} for i, (ip, m, n) in enumerate(lines)])
    logs.put_log_events(logGroupName=b, logStreamName="s", logEvents=[
        {"timestamp": t0 + 60_000 + 5, "message": json.dumps({"ip": "10.0.0.2", "method": "GET", "bytes": 500})},
        {"timestamp": t0 + 60_000 + 6, "message": "not json at all"}])
    out = report(cw, name, t0, t0 + 120_000, Metrics=["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum",
                                                      "Minimum", "Maximum", "Average"])
    assert out["KeyLabels"] == ["$.ip"]
    assert out["AggregationStatistic"] == "Sum"
    assert out["AggregateValue"] == 675
    assert out["ApproximateUniqueCount"] == 2
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in out["Contributors"]] == [(["10.0.0.2"], 550), (["10.0.0.1"], 125)]
    assert [(p["ApproximateValue"]) for p in out["Contributors"][0]["Datapoints"]] == [50, 500]
    first, second = out["MetricDatapoints"]
    assert first["Timestamp"].timestamp() * 1000 == t0
    assert (first["UniqueContributors"], first["MaxContributorValue"], first["SampleCount"], first["Sum"]) == (2, 125, 3, 175)
    assert (first["Minimum"], first["Maximum"], round(first["Average"], 3)) == (25, 100, 58.333)
    assert (second["UniqueContributors"], second["SampleCount"], second["Sum"]) == (1, 1, 500)
    by_max = report(cw, name, t0, t0 + 120_000, OrderBy="Maximum", MaxContributorCount=1)
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in by_max["Contributors"]] == [(["10.0.0.2"], 500)]
    assert "MetricDatapoints" not in by_max  # no Metrics asked for
    cw.delete_insight_rules(RuleNames=[name])


def test_insight_rule_metric_in_metric_math(env):
    cw, logs, prefix, group = env
    g = group("-irm")
    name = f"irm-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=rule(["$.user"], groups=[g]))
    t0 = minute(int(time.time() * 1000)) - 180_000
    users = [["a", "b", "a"], ["c"], []]
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[
        {"timestamp": t0 + m * 60_000 + i, "message": json.dumps({"user": u})} for m, us in enumerate(users) for i, u in enumerate(us)])
    out = cw.get_metric_data(StartTime=datetime.fromtimestamp(t0 / 1000, timezone.utc),
                             EndTime=datetime.fromtimestamp((t0 + 180_000) / 1000, timezone.utc), ScanBy="TimestampAscending",
                             MetricDataQueries=[
                                 {"Id": "u", "Expression": f"INSIGHT_RULE_METRIC('{name}', 'UniqueContributors')", "Period": 60},
                                 {"Id": "n", "Expression": f"INSIGHT_RULE_METRIC('{name}', 'SampleCount') * 2", "Period": 60}])
    got = {r["Id"]: r for r in out["MetricDataResults"]}
    assert [t.timestamp() * 1000 for t in got["u"]["Timestamps"]] == [t0, t0 + 60_000, t0 + 120_000]
    assert got["u"]["Values"] == [2, 1, 0]
    assert got["n"]["Values"] == [6, 2, 0]
    with pytest.raises(ClientError) as e:  # as every metric math error: the expression's id and why
        cw.get_metric_data(StartTime=datetime.fromtimestamp(t0 / 1000, timezone.utc),
                           EndTime=datetime.fromtimestamp((t0 + 180_000) / 1000, timezone.utc),
                           MetricDataQueries=[{"Id": "x", "Expression": "INSIGHT_RULE_METRIC('no-such-rule', 'Sum')", "Period": 60}])
    assert e.value.response["Error"]["Code"] == "ValidationError" and "no-such-rule" in e.value.response["Error"]["Message"]
    cw.delete_insight_rules(RuleNames=[name])


def test_a_clf_rule_counts_by_two_keys(env):
    cw, logs, prefix, group = env
    g = group("-clf")
    name = f"clf-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=rule(
        ["IpAddress", "StatusCode"], groups=[g], fmt="CLF", fields={"1": "IpAddress", "6": "StatusCode"},
        filters=[{"Match": "StatusCode", "StartsWith": ["4", "5"]}]))
    t0 = minute(int(time.time() * 1000)) - 60_000
    msgs = ['1.1.1.1 - - [01/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 404 10',
            '1.1.1.1 - - [01/Dec/2026:10:00:01 +0000] "GET / HTTP/1.1" 404 10',
            '2.2.2.2 - - [01/Dec/2026:10:00:02 +0000] "GET / HTTP/1.1" 500 10',
            '2.2.2.2 - - [01/Dec/2026:10:00:03 +0000] "GET / HTTP/1.1" 200 10']
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": t0 + i, "message": m} for i, m in enumerate(msgs)])
    out = report(cw, name, t0, t0 + 60_000)
    assert out["AggregationStatistic"] == "SampleCount"  # as AWS answers for a Count rule
    assert out["KeyLabels"] == ["IpAddress", "StatusCode"]
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in out["Contributors"]] == [(["1.1.1.1", "404"], 2), (["2.2.2.2", "500"], 1)]
    cw.delete_insight_rules(RuleNames=[name])


def test_only_events_ingested_while_enabled_reach_the_rule(env):
    cw, logs, prefix, group = env
    g = group("-state")
    t0 = minute(int(time.time() * 1000)) - 60_000

    def put(ip):
        logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": t0 + 1, "message": json.dumps({"ip": ip})}])

    put("before")
    name = f"state-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=rule(["$.ip"], groups=[g]), RuleState="DISABLED")
    put("disabled")
    assert cw.enable_insight_rules(RuleNames=[name])["Failures"] == []
    put("enabled")
    cw.disable_insight_rules(RuleNames=[name])
    put("disabled-again")
    rules = {r["Name"]: r for r in cw.describe_insight_rules()["InsightRules"]}
    assert rules[name]["State"] == "DISABLED" and rules[name]["Schema"] == "CloudWatchLogRule/1"
    assert json.loads(rules[name]["Definition"])["LogGroupNames"] == [g]
    out = report(cw, name, t0, t0 + 60_000)
    assert [c["Keys"] for c in out["Contributors"]] == [["enabled"]]
    cw.delete_insight_rules(RuleNames=[name])


def test_tags_describe_paging_and_partial_failures(server):
    cw = server.client("cloudwatch")
    names = [f"page-{uuid.uuid4().hex[:6]}-{i}" for i in range(3)]
    for i, n in enumerate(names):
        cw.put_insight_rule(RuleName=n, RuleDefinition=rule(["$.a"], groups=["/x"]), Tags=[{"Key": "i", "Value": str(i)}] if i == 0 else [])
    arn = f"arn:aws:cloudwatch:us-east-1:000000000000:insight-rule/{names[0]}"
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "i", "Value": "0"}]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "web"}])
    assert {t["Key"] for t in cw.list_tags_for_resource(ResourceARN=arn)["Tags"]} == {"i", "team"}
    seen, token = [], None
    while True:
        page = cw.describe_insight_rules(MaxResults=1, **({"NextToken": token} if token else {}))
        seen += [r["Name"] for r in page["InsightRules"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(names) <= set(seen) and len(seen) == len(set(seen))
    missing = f"missing-{uuid.uuid4().hex[:6]}"
    failures = cw.delete_insight_rules(RuleNames=names + [missing])["Failures"]
    assert [f["FailureResource"] for f in failures] == [missing]
    assert failures[0]["ExceptionType"] == "ResourceNotFoundException"
    # AWS answers a rule that is gone with no tags (and a rule made again starts untagged).
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    cw.put_insight_rule(RuleName=names[0], RuleDefinition=rule(["$.a"], groups=["/x"]))
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    cw.delete_insight_rules(RuleNames=[names[0]])


@pytest.mark.parametrize("definition, fragment", [
    ("{not json", "JSON"),
    (json.dumps({"Schema": {"Name": "Other", "Version": 1}}), "Schema"),
    (rule(["$.a"], groups=["/x"], fmt="XML"), "LogFormat"),
    (rule(["$.a", "$.b", "$.c", "$.d", "$.e"], groups=["/x"]), "Keys"),
    (rule(["$.a"], groups=["/x"], value="$.b"), "ValueOf"),  # ValueOf on a Count rule
    (json.dumps({"Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": ["/x"], "LogGroupARNs": ["arn:aws:logs:us-east-1:000000000000:log-group:/x"],
                 "LogFormat": "JSON", "Contribution": {"Keys": ["$.a"]}, "AggregateOn": "Count"}), "not both"),
    (rule(["$.a"], groups=["/x"], filters=[{"Match": "$.a", "Like": ["x"]}]), "Like"),
])
def test_bad_definitions_are_refused(server, definition, fragment):
    cw = server.client("cloudwatch")
    with pytest.raises(ClientError) as e:
        cw.put_insight_rule(RuleName=f"bad-{uuid.uuid4().hex[:6]}", RuleDefinition=definition)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert fragment in e.value.response["Error"]["Message"]


def test_report_errors(server):
    cw = server.client("cloudwatch")
    now = int(time.time() * 1000)
    with pytest.raises(ClientError) as e:
        report(cw, f"nope-{uuid.uuid4().hex[:6]}", now - 60_000, now)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    name = f"errs-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=rule(["$.a"], groups=["/x"]))
    for kw in [{"OrderBy": "Average"}, {"MaxContributorCount": 101}, {"Metrics": ["Bogus"]}]:
        with pytest.raises(ClientError) as e:
            report(cw, name, now - 60_000, now, **kw)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValue", kw
    with pytest.raises(ClientError) as e:
        report(cw, name, now, now - 60_000)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        cw.put_managed_insight_rules(ManagedRules=[{"TemplateName": "DynamoDBContributorInsights-PKC-x", "ResourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/x"}])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    cw.delete_insight_rules(RuleNames=[name])


@pytest.mark.parametrize("protocol", ["query", "smithy-rpc-v2-cbor"])
def test_a_rule_by_log_group_arn_over_every_protocol(env, server, protocol):
    _, logs, prefix, group = env
    cw = server.client("cloudwatch", protocol=protocol)
    g = group(f"-{protocol[:5]}")
    name = f"arn-{uuid.uuid4().hex[:6]}"
    cw.put_insight_rule(RuleName=name, RuleDefinition=json.dumps({
        "Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogFormat": "JSON", "AggregateOn": "Count",
        "LogGroupARNs": [f"arn:aws:logs:us-east-1:000000000000:log-group/{g}"], "Contribution": {"Keys": ["$.user"]}}))
    t0 = minute(int(time.time() * 1000)) - 60_000
    logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[
        {"timestamp": t0 + i, "message": json.dumps({"user": u})} for i, u in enumerate(["ann", "bob", "ann"])])
    out = report(cw, name, t0, t0 + 60_000, Metrics=["UniqueContributors"])
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in out["Contributors"]] == [(["ann"], 2), (["bob"], 1)]
    assert [p["UniqueContributors"] for p in out["MetricDatapoints"]] == [2]
    assert cw.describe_insight_rules(MaxResults=500)["InsightRules"]
    assert cw.delete_insight_rules(RuleNames=[name])["Failures"] == []
