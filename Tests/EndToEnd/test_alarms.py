"""CloudWatch metric alarms through boto3: the API with AWS's answers and errors, and an alarm
that really evaluates — data above its threshold moves it to ALARM and the webhook subscribed
to its SNS topic receives AWS's alarm message."""
import datetime
import json
import re
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from test_sns import confirmed_subscription, endpoint  # noqa: F401 (a fixture)


def alarm_args(name, **kw):
    args = dict(AlarmName=name, MetricName="Latency", Namespace="E2E/Alarms", Statistic="Average", Period=60,
                EvaluationPeriods=1, Threshold=2.0, ComparisonOperator="GreaterThanThreshold",
                Dimensions=[{"Name": "InstanceId", "Value": "abc"}], Unit="Seconds")
    args.update(kw)
    return args


def test_alarm_lifecycle(server):
    cw = server.client("cloudwatch")
    name = f"a-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(**alarm_args(name, AlarmDescription="testing", TreatMissingData="ignore",
                                     Tags=[{"Key": "team", "Value": "ops"}]))
    alarms = cw.describe_alarms(AlarmNames=[name])
    assert alarms["CompositeAlarms"] == []
    [a] = alarms["MetricAlarms"]
    assert a["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:000000000000:alarm:{name}"
    assert a["StateValue"] == "INSUFFICIENT_DATA" and a["StateReason"] == "Unchecked: Initial alarm creation"
    assert a["ActionsEnabled"] is True and a["OKActions"] == [] and a["AlarmActions"] == [] and a["InsufficientDataActions"] == []
    assert a["Dimensions"] == [{"Name": "InstanceId", "Value": "abc"}] and a["TreatMissingData"] == "ignore"
    assert cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "ops"}]
    for_metric = cw.describe_alarms_for_metric(MetricName="Latency", Namespace="E2E/Alarms",
                                               Dimensions=[{"Name": "InstanceId", "Value": "abc"}])
    assert name in [x["AlarmName"] for x in for_metric["MetricAlarms"]]

    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing alarm")
    [a] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert (a["StateValue"], a["StateReason"]) == ("ALARM", "testing alarm")
    items = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from INSUFFICIENT_DATA to ALARM"]
    data = json.loads(items[0]["HistoryData"])
    assert data["oldState"] == {"stateValue": "INSUFFICIENT_DATA", "stateReason": "Unchecked: Initial alarm creation"}
    assert data["newState"]["stateValue"] == "ALARM"

    cw.disable_alarm_actions(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"] is False
    cw.enable_alarm_actions(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"] is True

    cw.delete_alarms(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []
    with pytest.raises(ClientError) as e:
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="x")
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"


def test_configuration_history_records_create_update_and_delete(server):
    cw = server.client("cloudwatch")
    name = f"cfg-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(**alarm_args(name, AlarmDescription="first"))
    cw.put_metric_alarm(**alarm_args(name, AlarmDescription="second", Threshold=3.0))
    cw.delete_alarms(AlarmNames=[name])
    items = cw.describe_alarm_history(AlarmName=name, HistoryItemType="ConfigurationUpdate",
                                      ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == [f'Alarm "{name}" created', f'Alarm "{name}" updated',
                                                    f'Alarm "{name}" deleted']
    created, updated, deleted = (json.loads(i["HistoryData"]) for i in items)
    assert (created["version"], created["type"]) == ("1.0", "Create")
    c = created["createdAlarm"]
    assert (c["alarmName"], c["namespace"], c["metricName"], c["threshold"], c["period"]) == (name, "E2E/Alarms", "Latency", 2.0, 60)
    assert c["dimensions"] == [{"name": "InstanceId", "value": "abc"}] and c["okactions"] == [] and c["stateValue"] == "INSUFFICIENT_DATA"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", c["alarmConfigurationUpdatedTimestamp"])
    assert updated["type"] == "Update" and updated["updatedAlarm"]["threshold"] == 3.0
    original = updated["originalUpdatedFields"]
    assert original["threshold"] == 2.0 and original["alarmDescription"] == "first" and "metricName" not in original
    assert deleted["type"] == "Delete" and deleted["deletedAlarm"]["alarmDescription"] == "second"


@pytest.mark.parametrize("change, code", [
    (dict(Period=45), "InvalidParameterValue"),
    (dict(EvaluationPeriods=2, DatapointsToAlarm=3), "InvalidParameterCombination"),
    (dict(Period=60, EvaluationPeriods=1441), "InvalidParameterValue"),
    (dict(ExtendedStatistic="p99"), "InvalidParameterCombination"),
    (dict(TreatMissingData="sometimes"), "InvalidParameterValue"),
    (dict(AlarmActions=["not-an-arn"]), "InvalidParameterValue"),
])
def test_put_metric_alarm_refuses(server, change, code):
    cw = server.client("cloudwatch")
    name = f"bad-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as e:
        cw.put_metric_alarm(**alarm_args(name, **change))
    assert e.value.response["Error"]["Code"] == code
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []


def test_describe_alarms_pages_and_filters(server):
    cw = server.client("cloudwatch")
    prefix = f"p-{uuid.uuid4().hex[:6]}-"
    for i in range(7):
        cw.put_metric_alarm(**alarm_args(f"{prefix}{i}"))
    cw.set_alarm_state(AlarmName=f"{prefix}3", StateValue="OK", StateReason="fine")
    names, token = [], None
    while True:
        page = cw.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=3, **({"NextToken": token} if token else {}))
        names += [a["AlarmName"] for a in page["MetricAlarms"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == [f"{prefix}{i}" for i in range(7)]
    ok = cw.describe_alarms(AlarmNamePrefix=prefix, StateValue="OK")["MetricAlarms"]
    assert [a["AlarmName"] for a in ok] == [f"{prefix}3"]
    with pytest.raises(ClientError) as e:
        cw.describe_alarms(NextToken="garbage")
    assert e.value.response["Error"]["Code"] == "InvalidNextToken"
    cw.delete_alarms(AlarmNames=[f"{prefix}{i}" for i in range(7)])


def test_breach_fires_the_alarm_and_its_sns_webhook(server, endpoint):  # noqa: F811
    url, received = endpoint
    sns, cw = server.client("sns"), server.client("cloudwatch")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    confirmed_subscription(sns, topic, url, received)
    name = f"hot-{uuid.uuid4().hex[:8]}"
    namespace = f"E2E/{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(**alarm_args(name, Namespace=namespace, Period=10, AlarmActions=[topic], OKActions=[topic],
                                     AlarmDescription="testing cloudwatch alarms", TreatMissingData="missing"))
    # With missing data treated as missing, the rounds before any datapoint leave the alarm in
    # INSUFFICIENT_DATA (notBreaching would move it to OK first and notify its OK action).
    # Datapoints in the current 10 s period: the round after it closes sees them.
    deadline = time.time() + 45
    state = None
    while time.time() < deadline:
        cw.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Latency", "Dimensions": [{"Name": "InstanceId", "Value": "abc"}], "Value": 21.5,
             "Unit": "Seconds", "StorageResolution": 1}])
        state = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        if state["StateValue"] == "ALARM":
            break
        time.sleep(2)
    assert state["StateValue"] == "ALARM", state
    assert re.fullmatch(r"Threshold Crossed: 1 datapoint \[21\.5 \(\d\d/\d\d/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(2\.0\)\.",
                        state["StateReason"]), state["StateReason"]
    reason_data = json.loads(state["StateReasonData"])
    assert reason_data["version"] == "1.0" and reason_data["period"] == 10 and reason_data["threshold"] == 2.0
    assert reason_data["recentDatapoints"] == [21.5] and reason_data["statistic"] == "Average"

    headers, note = received.get(timeout=15)
    assert headers["x-amz-sns-message-type"] == "Notification" and note["TopicArn"] == topic
    assert note["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
    msg = json.loads(note["Message"])
    assert msg["AlarmName"] == name and msg["AlarmDescription"] == "testing cloudwatch alarms"
    assert msg["AWSAccountId"] == "000000000000" and msg["Region"] == "US East (N. Virginia)"
    assert msg["NewStateValue"] == "ALARM" and msg["OldStateValue"] == "INSUFFICIENT_DATA"
    assert msg["NewStateReason"] == state["StateReason"] and msg["AlarmArn"] == state["AlarmArn"]
    assert msg["AlarmActions"] == [topic] and msg["OKActions"] == [topic] and msg["InsufficientDataActions"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", msg["StateChangeTime"])
    assert msg["Trigger"] == {
        "MetricName": "Latency", "Namespace": namespace, "StatisticType": "Statistic", "Statistic": "AVERAGE",
        "Unit": "Seconds", "Dimensions": [{"value": "abc", "name": "InstanceId"}], "Period": 10, "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold", "Threshold": 2.0, "TreatMissingData": "missing",
        "EvaluateLowSampleCountPercentile": ""}
    actions = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
    assert actions and actions[0]["HistorySummary"] == f"Successfully executed action {topic}"
    cw.delete_alarms(AlarmNames=[name])


def test_composite_alarm_follows_its_children(server):
    cw = server.client("cloudwatch")
    p = f"c-{uuid.uuid4().hex[:6]}-"
    for child in ("cpu", "disk"):
        cw.put_metric_alarm(**alarm_args(p + child))
    rule = f'ALARM("{p}cpu") AND ALARM({p}disk)'
    cw.put_composite_alarm(AlarmName=p + "both", AlarmRule=rule, AlarmDescription="both down")
    def composite():
        [c] = cw.describe_alarms(AlarmNames=[p + "both"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
        return c
    c = composite()
    assert c["AlarmRule"] == rule and c["AlarmArn"].endswith(f":alarm:{p}both") and c["StateValue"] == "OK"
    assert cw.describe_alarms(AlarmNames=[p + "both"])["CompositeAlarms"] == []  # metric alarms only by default
    cw.set_alarm_state(AlarmName=p + "cpu", StateValue="ALARM", StateReason="x")
    assert composite()["StateValue"] == "OK"
    cw.set_alarm_state(AlarmName=p + "disk", StateValue="ALARM", StateReason="x")
    assert composite()["StateValue"] == "ALARM"
    children = cw.describe_alarms(ChildrenOfAlarmName=p + "both")["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in children) == [p + "cpu", p + "disk"]
    with pytest.raises(ClientError) as e:
        cw.put_composite_alarm(AlarmName=p + "bad", AlarmRule="ALARM(")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert e.value.response["Error"]["Message"].startswith("Error in AlarmRule [")


def test_cloudtrail_failures_through_a_metric_filter_fire_an_alarm_webhook(make_server, endpoint):  # noqa: F811
    """CloudWatch and CloudTrail as AWS customers wire them: a trail delivers API activity to a
    log group, a metric filter counts refused calls, an alarm on that metric goes to ALARM and
    the webhook subscribed to its topic receives the notification."""
    fast = make_server("--in-memory", "--trail-delivery-interval", "1")
    url, received = endpoint
    ct, s3, logs, cw, sns = (fast.client(s) for s in ("cloudtrail", "s3", "logs", "cloudwatch", "sns"))
    topic = sns.create_topic(Name="security")["TopicArn"]
    confirmed_subscription(sns, topic, url, received)
    s3.create_bucket(Bucket="trail-bucket")
    logs.create_log_group(logGroupName="CloudTrail/api")
    logs.put_metric_filter(logGroupName="CloudTrail/api", filterName="refused",
                           filterPattern='{ ($.errorCode = "*NotFound*") || ($.errorCode = "AccessDenied*") }',
                           metricTransformations=[{"metricName": "Refused", "metricNamespace": "CloudTrailMetrics", "metricValue": "1"}])
    ct.create_trail(Name="to-logs", S3BucketName="trail-bucket",
                    CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:000000000000:log-group:CloudTrail/api:*",
                    CloudWatchLogsRoleArn="arn:aws:iam::000000000000:role/ct")
    ct.start_logging(Name="to-logs")
    cw.put_metric_alarm(AlarmName="refused-calls", Namespace="CloudTrailMetrics", MetricName="Refused", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching", AlarmActions=[topic])
    for _ in range(3):
        with pytest.raises(ClientError):
            logs.delete_log_group(logGroupName="/does/not/exist")
    # The minute of the refusals closes, then the next round sees it (at most ~70 s).
    deadline = time.time() + 150
    note = None
    while time.time() < deadline and note is None:
        try:
            headers, candidate = received.get(timeout=5)
        except Exception:  # queue.Empty
            continue
        if json.loads(candidate["Message"]).get("NewStateValue") == "ALARM":
            note = candidate
    assert note is not None, cw.describe_alarms(AlarmNames=["refused-calls"])["MetricAlarms"]
    msg = json.loads(note["Message"])
    assert msg["AlarmName"] == "refused-calls" and msg["Trigger"]["MetricName"] == "Refused"
    assert msg["NewStateReason"].startswith("Threshold Crossed: 1 datapoint [")
    assert cw.describe_alarms(AlarmNames=["refused-calls"])["MetricAlarms"][0]["StateValue"] == "ALARM"


def test_alarm_mute_rules(server):
    cw = server.client("cloudwatch")
    name = f"muted-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(**alarm_args(name))
    rule = f"weekend-{uuid.uuid4().hex[:8]}"
    start = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    cw.put_alarm_mute_rule(Name=rule, Description="weekend quiet",
                           Rule={"Schedule": {"Expression": "cron(0 18 * * FRI)", "Duration": "P2DT12H", "Timezone": "America/New_York"}},
                           MuteTargets={"AlarmNames": [name]}, StartDate=start, Tags=[{"Key": "team", "Value": "ops"}])
    got = cw.get_alarm_mute_rule(AlarmMuteRuleName=rule)
    assert got["Name"] == rule and got["Description"] == "weekend quiet"
    assert got["Rule"]["Schedule"] == {"Expression": "cron(0 18 * * FRI)", "Duration": "P2DT12H", "Timezone": "America/New_York"}
    assert got["MuteTargets"] == {"AlarmNames": [name]} and got["StartDate"] == start
    assert got["Status"] == "SCHEDULED" and got["MuteType"] == "RECURRING"
    arn = got["AlarmMuteRuleArn"]
    assert arn == f"arn:aws:cloudwatch:us-east-1:000000000000:alarm-mute-rule:{rule}"
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ops"}]
    listed = cw.list_alarm_mute_rules(AlarmName=name)["AlarmMuteRuleSummaries"]
    assert [s["AlarmMuteRuleArn"] for s in listed] == [arn]
    with pytest.raises(ClientError) as e:
        cw.put_alarm_mute_rule(Name=rule, Rule={"Schedule": {"Expression": "cron(0 18 * *)", "Duration": "PT1H"}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    cw.delete_alarm_mute_rule(AlarmMuteRuleName=rule)
    with pytest.raises(ClientError) as e:
        cw.get_alarm_mute_rule(AlarmMuteRuleName=rule)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    cw.delete_alarms(AlarmNames=[name])


def test_alarm_contributors_and_refused_promql_alarms(server):
    """DescribeAlarmContributors through boto3 (per-contributor evaluation itself runs on the
    manual clock in QueryAlarmTests: Metrics Insights rounds are a minute apart); PromQL alarms
    are refused, not stored unevaluated."""
    cw = server.client("cloudwatch")
    name = f"by-host-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, Threshold=25.0, ComparisonOperator="GreaterThanThreshold",
                        Metrics=[{"Id": "q", "Period": 60, "ReturnData": True,
                                  "Expression": 'SELECT MAX(Errors) FROM SCHEMA("E2E/Hosts", Host) GROUP BY Host'}])
    assert cw.describe_alarm_contributors(AlarmName=name)["AlarmContributors"] == []
    with pytest.raises(ClientError) as e:
        cw.describe_alarm_contributors(AlarmName=name, NextToken="garbage")
    assert e.value.response["Error"]["Code"] == "InvalidNextToken"
    with pytest.raises(ClientError) as e:
        cw.describe_alarm_contributors(AlarmName=f"missing-{uuid.uuid4().hex[:8]}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    history = cw.describe_alarm_history(AlarmName=name, AlarmContributorId="0123456789abcdef")["AlarmHistoryItems"]
    assert history == []
    promql = f"promql-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as e:
        cw.put_metric_alarm(AlarmName=promql, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
                            EvaluationCriteria={"PromQLCriteria": {"Query": "up == 0"}}, EvaluationInterval=60)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert cw.describe_alarms(AlarmNames=[promql])["MetricAlarms"] == []
    cw.delete_alarms(AlarmNames=[name])
