"""Issue [2]: CloudWatch metrics through real clients: PutMetricData in every form and every
validation error, GetMetricStatistics and GetMetricData answers identical over JSON 1.0,
Query and CBOR, ListMetrics, and a crash test that kills the server during ingestion."""
import datetime
import math
import random
import signal
import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import CLOUDWATCH_PROTOCOLS, kill_during, wire_log

NOW = lambda: datetime.datetime.now(datetime.timezone.utc)


def ns():
    return f"Test/{uuid.uuid4().hex[:8]}"


def minute_floor(t):
    return t.replace(second=0, microsecond=0)


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_statistics_exact_against_independent_computation(server):
    cw = server.client("cloudwatch")
    n = ns()
    t = minute_floor(NOW()) - datetime.timedelta(minutes=3)
    values = [random.Random(7).uniform(-50, 500) for _ in range(200)]
    values = [round(v, 3) for v in values]
    for chunk in range(0, 200, 50):
        cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "Lat", "Timestamp": t + datetime.timedelta(seconds=5),
                                                     "Values": values[chunk:chunk + 50], "Unit": "Milliseconds"}])
    dp = cw.get_metric_statistics(Namespace=n, MetricName="Lat", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                  Period=60, Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"])["Datapoints"]
    assert len(dp) == 1
    d = dp[0]
    assert d["SampleCount"] == 200
    assert math.isclose(d["Sum"], sum(values), rel_tol=1e-12)
    assert d["Minimum"] == min(values) and d["Maximum"] == max(values)
    assert math.isclose(d["Average"], sum(values) / 200, rel_tol=1e-12)
    assert d["Unit"] == "Milliseconds"
    ext = cw.get_metric_statistics(Namespace=n, MetricName="Lat", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                   Period=60, ExtendedStatistics=["p50", "p90", "p99"])["Datapoints"][0]["ExtendedStatistics"]
    ordered = sorted(values)
    for q in (50, 90, 99):
        truth = ordered[math.ceil(q / 100 * len(ordered)) - 1]
        assert ext[f"p{q}"] == truth  # 200 distinct values are kept exactly


def test_percentiles_within_relative_error_for_large_cells(server):
    cw = server.client("cloudwatch")
    n = ns()
    t = minute_floor(NOW()) - datetime.timedelta(minutes=2)
    rng = random.Random(11)
    values = [rng.lognormvariate(3, 1) for _ in range(3000)]
    for chunk in range(0, 3000, 150):
        cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "Lat", "Timestamp": t, "Values": values[chunk:chunk + 150]}])
    ext = cw.get_metric_statistics(Namespace=n, MetricName="Lat", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                   Period=60, ExtendedStatistics=["p50", "p99", "p99.9"])["Datapoints"][0]["ExtendedStatistics"]
    ordered = sorted(values)
    for name, q in (("p50", 50), ("p99", 99), ("p99.9", 99.9)):
        truth = ordered[math.ceil(q / 100 * len(ordered)) - 1]
        assert abs(ext[name] - truth) <= truth * 0.01 + 1e-9, name


def test_statistic_sets_and_units(server):
    cw = server.client("cloudwatch")
    n = ns()
    t = minute_floor(NOW()) - datetime.timedelta(minutes=1)
    cw.put_metric_data(Namespace=n, MetricData=[
        {"MetricName": "M", "Timestamp": t, "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4}, "Unit": "Count"},
        {"MetricName": "M", "Timestamp": t, "Value": 100, "Unit": "Seconds"},
    ])
    both = cw.get_metric_statistics(Namespace=n, MetricName="M", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                    Period=60, Statistics=["Sum", "SampleCount"])["Datapoints"]
    assert sorted((d["Unit"], d["Sum"], d["SampleCount"]) for d in both) == [("Count", 10, 4), ("Seconds", 100, 1)]
    count_only = cw.get_metric_statistics(Namespace=n, MetricName="M", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                          Period=60, Statistics=["Average"], Unit="Count")["Datapoints"]
    assert [d["Average"] for d in count_only] == [2.5]
    # Percentiles of a statistic set whose samples differ are unavailable.
    p = cw.get_metric_statistics(Namespace=n, MetricName="M", StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
                                 Period=60, ExtendedStatistics=["p50"], Unit="Count")["Datapoints"]
    assert p[0]["ExtendedStatistics"] == {}


@pytest.mark.parametrize("datum,code,message", [
    ({"MetricName": "m", "Value": float("nan")}, "InvalidParameterValue",
     "The value NaN for parameter MetricData.member.1.Value is invalid."),
    ({"MetricName": "m", "Value": float("inf")}, "InvalidParameterValue",
     "The value Infinity for parameter MetricData.member.1.Value is invalid."),
    ({"MetricName": "m", "Value": 2.0 ** 361}, "InvalidParameterValue", None),
    ({"MetricName": "m", "Value": 1, "Values": [1, 2]}, "InvalidParameterCombination",
     "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both."),
    ({"MetricName": "m", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}},
     "InvalidParameterCombination", None),
    ({"MetricName": "m"}, "InvalidParameterCombination",
     "At least one of the parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues must be specified."),
    ({"MetricName": "m", "Values": [1, 2], "Counts": [1]}, "InvalidParameterValue",
     "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size."),
    ({"MetricName": "m", "Values": list(range(151))}, "InvalidParameterValue",
     "The collection MetricData.member.1.Values must not have a size greater than 150."),
    ({"MetricName": "m", "Value": 1, "StorageResolution": 30}, "InvalidParameterValue",
     "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ]."),
    ({"MetricName": "m", "Value": 1, "Timestamp": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)},
     "InvalidParameterValue", "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks."),
    ({"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "a", "Value": "1"}, {"Name": "a", "Value": "2"}]},
     "InvalidParameterValue", "No Metric may specify the same dimension twice."),
    ({"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "a", "Value": "x" * 1025}]}, "InvalidParameterValue",
     "The parameter MetricData.member.1.Dimensions.member.1.Value must be shorter than 1025 characters."),
    ({"MetricName": "m", "Value": 1, "StatisticValues": None}, None, None),
])
def test_put_metric_data_errors(server, datum, code, message):
    datum = {k: v for k, v in datum.items() if v is not None}
    cw = server.client("cloudwatch")
    n = ns()
    if code is None:
        cw.put_metric_data(Namespace=n, MetricData=[datum])
        assert [m["MetricName"] for m in cw.list_metrics(Namespace=n)["Metrics"]] == [datum["MetricName"]]
        return
    got_code, got_message = error_of(lambda: cw.put_metric_data(Namespace=n, MetricData=[datum]))
    assert got_code == code
    if message:
        assert got_message == message
    # Nothing of the refused request was stored...
    assert cw.list_metrics(Namespace=n)["Metrics"] == []
    # ...though a valid datum in the same namespace is listed at once.
    cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "control", "Value": 1}])
    assert [m["MetricName"] for m in cw.list_metrics(Namespace=n)["Metrics"]] == ["control"]


def test_put_metric_data_refuses_whole_request_and_reports_every_datum(server):
    cw = server.client("cloudwatch")
    n = ns()
    code, message = error_of(lambda: cw.put_metric_data(Namespace=n, MetricData=[
        {"MetricName": "ok", "Value": 1},
        {"MetricName": "bad", "Value": float("nan")},
        {"MetricName": "bad2", "Value": float("-inf")},
    ]))
    assert code == "InvalidParameterValue"
    assert message.split("\n") == ["The value NaN for parameter MetricData.member.2.Value is invalid.",
                                   "The value -Infinity for parameter MetricData.member.3.Value is invalid."]
    assert cw.list_metrics(Namespace=n)["Metrics"] == []
    cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "ok", "Value": 1}])  # the valid datum alone is stored
    assert [m["MetricName"] for m in cw.list_metrics(Namespace=n)["Metrics"]] == ["ok"]


def test_namespace_and_unit_and_limits(server):
    cw = server.client("cloudwatch")
    assert error_of(lambda: cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}])) == \
        ("InvalidParameterValue", "The value AWS/EC2 for parameter Namespace is invalid.")
    code, message = error_of(lambda: cw.put_metric_data(Namespace=ns(), MetricData=[{"MetricName": "m", "Value": 1, "Unit": "Parsecs"}]))
    assert code == "InvalidParameterValue"
    assert message.startswith("The parameter MetricData.member.1.Unit must be a value in the set [ Seconds, Microseconds,")
    code, message = error_of(lambda: cw.put_metric_data(Namespace=ns(), MetricData=[{"MetricName": "m", "Value": 1}] * 1001))
    assert (code, message) == ("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.")
    code, _ = error_of(lambda: cw.put_metric_data(Namespace=ns(), MetricData=[
        {"MetricName": "m", "Value": 1, "Dimensions": [{"Name": f"d{i}", "Value": "v"} for i in range(31)]}]))
    assert code == "InvalidParameterValue"


def test_get_metric_statistics_validation(server):
    cw = server.client("cloudwatch")
    t = minute_floor(NOW())
    code, message = error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t - datetime.timedelta(days=2),
                                                              EndTime=t, Period=60, Statistics=["Sum"]))
    assert code == "InvalidParameterCombination"
    assert message == ("You have requested up to 2880 datapoints, which exceeds the limit of 1440. You may reduce the "
                       "datapoints requested by increasing Period, or decreasing the time range.")
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t, EndTime=t,
                                                     Period=60, Statistics=["Sum"])) == \
        ("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    # Compared to the second before rounding: a start one second after the end is refused too.
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t + datetime.timedelta(seconds=1),
                                                     EndTime=t, Period=60, Statistics=["Sum"])) == \
        ("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                                     EndTime=t, Period=61, Statistics=["Sum"]))[0] == "InvalidParameterValue"
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                                     EndTime=t, Period=60))[0] == "InvalidParameterCombination"
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                                     EndTime=t, Period=60, ExtendedStatistics=["p101"]))[0] == "InvalidParameterValue"
    assert error_of(lambda: cw.get_metric_statistics(Namespace="N", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                                     EndTime=t, Period=60, Statistics=["Median"]))[0] == "InvalidParameterValue"


def scenario(cw, n):
    """The same writes and reads on any protocol; returns what the reads answered."""
    t = minute_floor(NOW()) - datetime.timedelta(minutes=5)
    cw.put_metric_data(Namespace=n, MetricData=[
        {"MetricName": "Req", "Dimensions": [{"Name": "Host", "Value": h}], "Timestamp": t + datetime.timedelta(minutes=m),
         "Value": float(m * 10 + i), "Unit": "Count"}
        for i, h in enumerate(["a", "b"]) for m in range(5)])
    cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "Lat", "Timestamp": t, "Values": [1.5, 2.5, 9.0], "Counts": [2, 1, 1],
                                                 "StorageResolution": 1}])
    stats = cw.get_metric_statistics(Namespace=n, MetricName="Req", Dimensions=[{"Name": "Host", "Value": "a"}],
                                     StartTime=t, EndTime=t + datetime.timedelta(minutes=5), Period=60,
                                     Statistics=["Sum", "Maximum"], ExtendedStatistics=["p50"])["Datapoints"]
    data = cw.get_metric_data(StartTime=t, EndTime=t + datetime.timedelta(minutes=5), ScanBy="TimestampAscending", MetricDataQueries=[
        {"Id": "a", "MetricStat": {"Metric": {"Namespace": n, "MetricName": "Req", "Dimensions": [{"Name": "Host", "Value": "a"}]},
                                   "Period": 60, "Stat": "Sum"}},
        {"Id": "total", "Expression": f"SUM(SEARCH('{{{n},Host}} Req', 'Sum', 120))"},
        {"Id": "lat", "MetricStat": {"Metric": {"Namespace": n, "MetricName": "Lat"}, "Period": 1, "Stat": "p50"}, "ReturnData": True},
    ])["MetricDataResults"]
    metrics = cw.list_metrics(Namespace=n)["Metrics"]
    return (sorted((d["Timestamp"], d["Sum"], d["Maximum"], d["ExtendedStatistics"]["p50"], d["Unit"]) for d in stats),
            sorted((r["Id"], r["Label"], tuple(r["Timestamps"]), tuple(r["Values"])) for r in data),
            sorted((m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics))


def test_same_answers_over_json_query_and_cbor(server):
    answers = {}
    for protocol in CLOUDWATCH_PROTOCOLS:
        n = "Parity/x"  # same namespace per protocol, one server each time: use a fresh scope via region
        cw = server.client("cloudwatch", protocol, region=f"eu-{protocol.replace('smithy-rpc-v2-', '')}-1")
        answers[protocol] = scenario(cw, n)
    assert answers["json"] == answers["query"] == answers["smithy-rpc-v2-cbor"]
    stats, data, metrics = answers["json"]
    assert [s[1] for s in stats] == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert dict((d[0], d[3]) for d in data)["lat"] == (1.5,)
    assert metrics == [("Lat", ()), ("Req", (("Host", "a"),)), ("Req", (("Host", "b"),))]


def test_get_metric_data_errors(server):
    cw = server.client("cloudwatch")
    t = minute_floor(NOW())
    stat = {"Metric": {"Namespace": "N", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}
    code, message = error_of(lambda: cw.get_metric_data(StartTime=t - datetime.timedelta(hours=1), EndTime=t, MetricDataQueries=[
        {"Id": "Bad", "MetricStat": stat}]))
    assert code == "ValidationError"
    assert message == "The value for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$."
    code, message = error_of(lambda: cw.get_metric_data(StartTime=t - datetime.timedelta(hours=1), EndTime=t, MetricDataQueries=[
        {"Id": "a", "MetricStat": stat}, {"Id": "a", "MetricStat": stat}]))
    assert message == "The values for parameter id in MetricDataQueries are not unique."
    code, message = error_of(lambda: cw.get_metric_data(StartTime=t - datetime.timedelta(hours=1), EndTime=t, MetricDataQueries=[
        {"Id": "e", "Expression": "NOPE(a)"}]))
    assert message == "Error in expression 'e': Function 'NOPE' not found"
    code, message = error_of(lambda: cw.get_metric_data(StartTime=t - datetime.timedelta(hours=1), EndTime=t, MetricDataQueries=[
        {"Id": "e", "Expression": "SEARCH('{N} m', 'Sum')"}]))
    assert message == "Period is a required field when using SEARCH function within an expression"
    code, message = error_of(lambda: cw.get_metric_data(StartTime=t - datetime.timedelta(hours=1), EndTime=t, MetricDataQueries=[
        {"Id": "q", "Expression": "SELECT AVG(m) FROM N WHERE a = 'x' OR b = 'y'", "Period": 60}]))
    assert message == "Error in expression 'q': Invalid syntax near 'OR b = 'y''"


def test_get_metric_data_paging(server):
    cw = server.client("cloudwatch")
    n = ns()
    t = minute_floor(NOW()) - datetime.timedelta(minutes=30)
    cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": "m", "Timestamp": t + datetime.timedelta(minutes=i), "Value": i}
                                                for i in range(20)])
    q = [{"Id": "m", "MetricStat": {"Metric": {"Namespace": n, "MetricName": "m"}, "Period": 60, "Stat": "Sum"}}]
    first = cw.get_metric_data(StartTime=t, EndTime=t + datetime.timedelta(minutes=30), MetricDataQueries=q, MaxDatapoints=15)
    assert len(first["MetricDataResults"][0]["Values"]) == 15
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    second = cw.get_metric_data(StartTime=t, EndTime=t + datetime.timedelta(minutes=30), MetricDataQueries=q, MaxDatapoints=15,
                                NextToken=first["NextToken"])
    assert len(second["MetricDataResults"][0]["Values"]) == 5
    assert "NextToken" not in second
    values = first["MetricDataResults"][0]["Values"] + second["MetricDataResults"][0]["Values"]
    assert values == [float(i) for i in reversed(range(20))]  # newest first by default


def test_list_metrics_filters_and_paging(make_server):
    s = make_server("--in-memory")
    cw = s.client("cloudwatch")
    cw.put_metric_data(Namespace="L", MetricData=[{"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "K", "Value": str(i)}]}
                                                  for i in range(600)])
    cw.put_metric_data(Namespace="L", MetricData=[{"MetricName": "other", "Value": 1}])
    first = cw.list_metrics(Namespace="L")
    assert len(first["Metrics"]) == 500 and "NextToken" in first
    rest = cw.list_metrics(Namespace="L", NextToken=first["NextToken"])
    assert len(rest["Metrics"]) == 101
    assert len(cw.list_metrics(Namespace="L", Dimensions=[{"Name": "K"}])["Metrics"]) == 500
    assert [m["Dimensions"] for m in cw.list_metrics(Namespace="L", Dimensions=[{"Name": "K", "Value": "7"}])["Metrics"]] == \
        [[{"Name": "K", "Value": "7"}]]
    assert len(cw.list_metrics(Namespace="L", MetricName="other", RecentlyActive="PT3H")["Metrics"]) == 1
    assert sum(len(p["Metrics"]) for p in cw.get_paginator("list_metrics").paginate(Namespace="L")) == 601


def test_gzipped_put_metric_data_as_botocore_sends_it(server):
    """botocore gzips PutMetricData bodies over 10 KB (requestcompression)."""
    cw = server.client("cloudwatch")
    from conftest import wire_log
    sent = wire_log(cw)
    n = ns()
    cw.put_metric_data(Namespace=n, MetricData=[{"MetricName": f"m{i}", "Value": i, "Dimensions": [{"Name": "Host", "Value": "h" * 50}]}
                                                for i in range(300)])
    assert sent[-1].headers.get("Content-Encoding") == b"gzip"
    assert len(cw.list_metrics(Namespace=n)["Metrics"]) == 300


def test_acknowledged_datapoints_survive_kill_9(make_server, tmp_path):
    """Writers hammer the server; it is killed mid-stream; after a restart every datapoint
    whose PutMetricData was answered 200 is there."""
    s = make_server("--data-dir", str(tmp_path))
    n = ns()
    t = minute_floor(NOW()) - datetime.timedelta(minutes=10)
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w):
        cw = s.client("cloudwatch")
        i = 0
        while not stop.is_set():
            data = [{"MetricName": "m", "Dimensions": [{"Name": "W", "Value": str(w)}],
                     "Timestamp": t + datetime.timedelta(seconds=(i * 20 + k) % 600), "Value": 1.0} for k in range(20)]
            try:
                cw.put_metric_data(Namespace=n, MetricData=data)
            except Exception:
                return
            with lock:
                acknowledged.append((w, len(data)))
            i += 1

    kill_during(s, writer, stop)
    assert acknowledged, "no write was acknowledged before the kill"
    s2 = make_server("--data-dir", str(tmp_path))
    cw = s2.client("cloudwatch")
    for w in range(4):
        expected = sum(c for ww, c in acknowledged if ww == w)
        got = cw.get_metric_statistics(Namespace=n, MetricName="m", Dimensions=[{"Name": "W", "Value": str(w)}],
                                       StartTime=t - datetime.timedelta(minutes=1), EndTime=t + datetime.timedelta(minutes=12),
                                       Period=3600, Statistics=["SampleCount"])["Datapoints"]
        count = sum(d["SampleCount"] for d in got)
        # Acknowledged datapoints are all there; a write in flight at the kill may be there too.
        assert expected <= count <= expected + 20, (w, expected, count)


def test_cli_put_and_get(server):
    n = ns()
    server.cli("cloudwatch", "put-metric-data", "--namespace", n, "--metric-name", "cli", "--value", "42", "--unit", "Count")
    import json as _json
    now = NOW()
    out = _json.loads(server.cli("cloudwatch", "get-metric-statistics", "--namespace", n, "--metric-name", "cli",
                                 "--start-time", (now - datetime.timedelta(minutes=5)).isoformat(),
                                 "--end-time", (now + datetime.timedelta(minutes=1)).isoformat(),
                                 "--period", "60", "--statistics", "Sum").stdout)
    assert [d["Sum"] for d in out["Datapoints"]] == [42.0]


def test_dashboard_tags(server):
    cw = server.client("cloudwatch")
    name = f"tagged-{uuid.uuid4().hex[:6]}"
    cw.put_dashboard(DashboardName=name, DashboardBody='{"widgets":[]}')
    arn = cw.get_dashboard(DashboardName=name)["DashboardArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "ops"}]
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    missing = arn + "-missing"
    # AWS lists no tags for a resource that does not exist; tagging it is refused.
    assert cw.list_tags_for_resource(ResourceARN=missing)["Tags"] == []
    with pytest.raises(cw.exceptions.ResourceNotFoundException) as e:
        cw.tag_resource(ResourceARN=missing, Tags=[{"Key": "a", "Value": "b"}])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    code, _ = error_of(lambda: cw.tag_resource(ResourceARN=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]))
    assert code == "InvalidParameterValue"
    # Tags given to PutDashboard apply too, and go away with the dashboard.
    cw.put_dashboard(DashboardName=name + "b", DashboardBody='{"widgets":[]}', Tags=[{"Key": "a", "Value": "b"}])
    arn_b = arn + "b"
    assert cw.list_tags_for_resource(ResourceARN=arn_b)["Tags"] == [{"Key": "a", "Value": "b"}]


def test_large_put_metric_data_is_gzipped_and_accepted_over_every_protocol(server):
    """botocore gzips PutMetricData bodies of 10 KB or more on every protocol; a Query body
    carries its Action inside the compressed form."""
    for protocol in CLOUDWATCH_PROTOCOLS:
        cw = server.client("cloudwatch", protocol)
        n = ns()
        log = wire_log(cw)
        cw.put_metric_data(Namespace=n, MetricData=[
            {"MetricName": "big", "Dimensions": [{"Name": "Host", "Value": f"h{i}"}], "Value": float(i)} for i in range(500)])
        assert any(r.headers.get("Content-Encoding") == b"gzip" or r.headers.get("Content-Encoding") == "gzip" for r in log), protocol
        assert len(cw.list_metrics(Namespace=n)["Metrics"]) == 500, protocol
