"""Anomaly detection through boto3: detectors, ANOMALY_DETECTION_BAND in GetMetricData over a
day of seasonal data, and an alarm on the band."""
import datetime
import math
import uuid

import pytest
from botocore.exceptions import ClientError


def seasonal(t):
    return 100 + 50 * math.sin(2 * math.pi * (t % 86400) / 86400)


def test_detector_lifecycle_and_refusals(server):
    cw = server.client("cloudwatch")
    ns = f"E2E/AD/{uuid.uuid4().hex[:8]}"
    single = {"Namespace": ns, "MetricName": "Requests", "Dimensions": [{"Name": "Host", "Value": "a"}], "Stat": "Average"}
    cw.put_anomaly_detector(SingleMetricAnomalyDetector=single, Configuration={
        "ExcludedTimeRanges": [{"StartTime": datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc),
                                "EndTime": datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc)}],
        "MetricTimezone": "America/New_York"})
    found = cw.describe_anomaly_detectors(Namespace=ns)["AnomalyDetectors"]
    assert len(found) == 1
    d = found[0]
    assert d["SingleMetricAnomalyDetector"] == single and d["StateValue"] == "PENDING_TRAINING"
    assert d["Configuration"]["MetricTimezone"] == "America/New_York"
    assert d["Configuration"]["ExcludedTimeRanges"][0]["StartTime"].year == 2026
    assert cw.describe_anomaly_detectors(Namespace=ns, AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"] == []

    with pytest.raises(ClientError) as e:
        cw.put_anomaly_detector(Namespace=ns, SingleMetricAnomalyDetector=single)
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as e:
        cw.put_anomaly_detector(SingleMetricAnomalyDetector=single, Configuration={"MetricTimezone": "Mars/Olympus"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        cw.describe_anomaly_detectors(MaxResults=101)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"

    cw.delete_anomaly_detector(SingleMetricAnomalyDetector=single)
    with pytest.raises(ClientError) as e:
        cw.delete_anomaly_detector(SingleMetricAnomalyDetector=single)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert cw.describe_anomaly_detectors(Namespace=ns)["AnomalyDetectors"] == []


def test_band_over_a_day_of_seasonal_data_and_a_band_alarm(server):
    cw = server.client("cloudwatch")
    ns = f"E2E/AD/{uuid.uuid4().hex[:8]}"
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) // 300 * 300
    dims = [{"Name": "Host", "Value": "a"}]
    points = [now - k * 300 for k in range(1, 289)]
    for i in range(0, len(points), 100):
        cw.put_metric_data(Namespace=ns, MetricData=[
            {"MetricName": "Requests", "Dimensions": dims, "Value": seasonal(t),
             "Timestamp": datetime.datetime.fromtimestamp(t, datetime.timezone.utc)} for t in points[i:i + 100]])
    queries = [
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Requests", "Dimensions": dims},
                                    "Period": 300, "Stat": "Average"}, "ReturnData": True},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "Requests (expected)", "ReturnData": True}]
    start = datetime.datetime.fromtimestamp(now + 3600, datetime.timezone.utc)
    out = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=start + datetime.timedelta(hours=1),
                             ScanBy="TimestampAscending")["MetricDataResults"]
    bands = [r for r in out if r["Id"] == "ad1"]
    assert [b["Label"] for b in bands] == ["Requests (expected) Lower", "Requests (expected) Upper"]
    lower, upper = bands
    assert len(lower["Values"]) == 12
    for t, lo, hi in zip(lower["Timestamps"], lower["Values"], upper["Values"]):
        assert lo < seasonal(int(t.timestamp())) < hi

    # The detector exists once asked for by name, and is trained on the day of data.
    cw.put_anomaly_detector(SingleMetricAnomalyDetector={"Namespace": ns, "MetricName": "Requests", "Dimensions": dims,
                                                         "Stat": "Average"})
    assert cw.describe_anomaly_detectors(Namespace=ns)["AnomalyDetectors"][0]["StateValue"] == "TRAINED"

    name = f"band-{uuid.uuid4().hex[:8]}"
    cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, ComparisonOperator="GreaterThanUpperThreshold",
                        Metrics=queries, ThresholdMetricId="ad1")
    alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert alarm["ThresholdMetricId"] == "ad1" and alarm["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert [m["Id"] for m in alarm["Metrics"]] == ["m1", "ad1"] and "Threshold" not in alarm
    with pytest.raises(ClientError) as e:
        cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, ComparisonOperator="GreaterThanUpperThreshold",
                            Metrics=queries, ThresholdMetricId="nope")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    cw.delete_alarms(AlarmNames=[name])
