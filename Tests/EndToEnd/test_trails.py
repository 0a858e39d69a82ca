"""CloudTrail trails end to end: every trail operation through boto3, delivery of gzipped log
files at AWS's key layout, signed digest files that `aws cloudtrail validate-logs` accepts (and
a tampered or deleted log file it reports), and delivery into CloudWatch Logs."""
import datetime
import gzip
import json
import re
import time
import uuid

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"


def error_code(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


@pytest.fixture
def fast(make_server):
    """A server delivering every second with a digest every 2 seconds."""
    return make_server("--in-memory", "--trail-delivery-interval", "1", "--trail-digest-interval", "2")


def wait_for(check, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_every_trail_operation(server):
    ct, s3 = server.client("cloudtrail"), server.client("s3")
    bucket, name = f"trail-{uuid.uuid4().hex[:10]}", f"t-{uuid.uuid4().hex[:8]}"
    assert error_code(lambda: ct.create_trail(Name=name, S3BucketName=bucket))[0] == "S3BucketDoesNotExistException"
    s3.create_bucket(Bucket=bucket)
    assert error_code(lambda: ct.create_trail(Name="-bad", S3BucketName=bucket))[0] == "InvalidTrailNameException"
    created = ct.create_trail(Name=name, S3BucketName=bucket, S3KeyPrefix="p", EnableLogFileValidation=True,
                              TagsList=[{"Key": "team", "Value": "obs"}])
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"
    assert created["TrailARN"] == arn and created["LogFileValidationEnabled"] is True and created["S3KeyPrefix"] == "p"
    assert error_code(lambda: ct.create_trail(Name=name, S3BucketName=bucket))[0] == "TrailAlreadyExistsException"
    assert ct.get_trail(Name=name)["Trail"]["HomeRegion"] == "us-east-1"
    assert ct.get_trail(Name=arn)["Trail"]["Name"] == name
    assert name in [t["Name"] for t in ct.describe_trails()["trailList"]]
    assert {"TrailARN": arn, "Name": name, "HomeRegion": "us-east-1"} in ct.list_trails()["Trails"]
    assert ct.update_trail(Name=name, IsMultiRegionTrail=True)["IsMultiRegionTrail"] is True
    assert ct.get_trail_status(Name=name)["IsLogging"] is False
    ct.start_logging(Name=name)
    status = ct.get_trail_status(Name=name)
    assert status["IsLogging"] is True and "StartLoggingTime" in status
    ct.stop_logging(Name=name)
    assert ct.get_trail_status(Name=name)["IsLogging"] is False
    selectors = ct.get_event_selectors(TrailName=name)["EventSelectors"]
    assert selectors == [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [], "ExcludeManagementEventSources": []}]
    ct.put_event_selectors(TrailName=name, EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    assert ct.get_event_selectors(TrailName=name)["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    advanced = [{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    assert ct.get_event_selectors(TrailName=name)["AdvancedEventSelectors"] == advanced
    assert error_code(lambda: ct.get_insight_selectors(TrailName=name))[0] == "InsightNotEnabledException"
    ct.put_insight_selectors(TrailName=name, InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
    assert ct.get_insight_selectors(TrailName=name)["InsightSelectors"] == [{"InsightType": "ApiCallRateInsight"}]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "env", "Value": "dev"}])
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "team"}])
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"] == [{"ResourceId": arn, "TagsList": [{"Key": "env", "Value": "dev"}]}]
    keys = ct.list_public_keys()["PublicKeyList"]
    assert keys and re.fullmatch(r"[0-9a-f]{32}", keys[0]["Fingerprint"])
    ct.delete_trail(Name=name)
    assert error_code(lambda: ct.get_trail(Name=name)) == ("TrailNotFoundException", f"Unknown trail: {arn} for the user: {ACCOUNT}")


def test_delivery_digests_and_validate_logs(fast, tmp_path):
    ct, s3, logs = fast.client("cloudtrail"), fast.client("s3"), fast.client("logs")
    bucket, name = f"trail-{uuid.uuid4().hex[:10]}", "audit"
    s3.create_bucket(Bucket=bucket)
    ct.create_trail(Name=name, S3BucketName=bucket, EnableLogFileValidation=True)
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    ct.start_logging(Name=name)
    logs.create_log_group(logGroupName="/audited")
    logs.describe_log_groups()

    def log_files():
        objs = s3.list_objects_v2(Bucket=bucket, Prefix=f"AWSLogs/{ACCOUNT}/CloudTrail/").get("Contents", [])
        return [o["Key"] for o in objs]

    files = wait_for(log_files)
    assert re.fullmatch(rf"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/\d{{4}}/\d\d/\d\d/{ACCOUNT}_CloudTrail_us-east-1_\d{{8}}T\d{{4}}Z_[A-Za-z0-9]{{16}}\.json\.gz",
                        files[0])
    records = [r for k in files for r in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["Records"]]
    assert "CreateLogGroup" in [r["eventName"] for r in records]
    assert all(r["eventVersion"] == "1.11" for r in records)

    def digests():
        objs = s3.list_objects_v2(Bucket=bucket, Prefix=f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/").get("Contents", [])
        return [o["Key"] for o in objs] if len(objs) >= 2 else None

    digest_keys = wait_for(digests, timeout=15)
    head = s3.get_object(Bucket=bucket, Key=digest_keys[-1])
    assert head["Metadata"]["signature-algorithm"] == "SHA256withRSA"
    digest = json.loads(gzip.decompress(head["Body"].read()))
    assert digest["digestS3Object"] == digest_keys[-1] and digest["previousDigestSignature"]
    assert ct.get_trail_status(Name=name).get("LatestDigestDeliveryTime")

    env = {"AWS_ENDPOINT_URL": fast.endpoint}
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"
    since = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    ok = fast.cli("cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", since, "--verbose", env=env, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "INVALID" not in ok.stdout and re.search(r"\d+/\d+ digest files valid", ok.stdout), ok.stdout
    assert re.search(r"[1-9]\d*/\d+ log files valid", ok.stdout), ok.stdout

    # Tamper with a delivered log file listed in a digest, and delete another.
    listed = [f["s3Object"] for k in digest_keys
              for f in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["logFiles"]]
    assert listed
    s3.put_object(Bucket=bucket, Key=listed[0], Body=gzip.compress(b'{"Records":[]}'))
    bad = fast.cli("cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", since, "--verbose", env=env, check=False)
    assert bad.returncode != 0
    assert f"s3://{bucket}/{listed[0]}\tINVALID: hash value doesn't match" in bad.stdout + bad.stderr, bad.stdout + bad.stderr
    if len(listed) > 1:
        s3.delete_object(Bucket=bucket, Key=listed[1])
        gone = fast.cli("cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", since, env=env, check=False)
        assert "INVALID: not found" in gone.stdout + gone.stderr


def test_trail_to_cloudwatch_logs_feeds_a_metric_filter(fast):
    ct, s3, logs, cw = fast.client("cloudtrail"), fast.client("s3"), fast.client("logs"), fast.client("cloudwatch")
    bucket = f"trail-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    logs.create_log_group(logGroupName="CloudTrail/api")
    group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:CloudTrail/api:*"
    logs.put_metric_filter(logGroupName="CloudTrail/api", filterName="unauthorized",
                           filterPattern='{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.errorCode = "ResourceNotFoundException") }',
                           metricTransformations=[{"metricName": "Failures", "metricNamespace": "CloudTrailMetrics", "metricValue": "1"}])
    ct.create_trail(Name="to-logs", S3BucketName=bucket, CloudWatchLogsLogGroupArn=group_arn,
                    CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ct")
    ct.start_logging(Name="to-logs")
    with pytest.raises(ClientError):
        logs.delete_log_group(logGroupName="/does/not/exist")

    def delivered():
        streams = logs.describe_log_streams(logGroupName="CloudTrail/api")["logStreams"]
        return [s["logStreamName"] for s in streams]

    assert wait_for(delivered) == [f"{ACCOUNT}_CloudTrail_us-east-1"]
    now = datetime.datetime.now(datetime.timezone.utc)

    def counted():
        points = cw.get_metric_statistics(Namespace="CloudTrailMetrics", MetricName="Failures", StartTime=now - datetime.timedelta(minutes=5),
                                          EndTime=now + datetime.timedelta(minutes=5), Period=60, Statistics=["Sum"])["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert wait_for(counted) >= 1


def test_data_events_record_their_parameters_on_every_path(fast):
    """PutLogEvents and PutMetricData take a fast path that builds no typed input; their data
    events still carry requestParameters (the names, not the bulk payload)."""
    ct, s3, logs, cw = fast.client("cloudtrail"), fast.client("s3"), fast.client("logs"), fast.client("cloudwatch")
    bucket = f"trail-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    ct.create_trail(Name="data", S3BucketName=bucket)
    data = lambda t: {"Name": t, "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                                    {"Field": "resources.type", "Equals": [t]}]}
    ct.put_event_selectors(TrailName="data", AdvancedEventSelectors=[data("AWS::Logs::LogGroup"), data("AWS::CloudWatch::Metric")])
    ct.start_logging(Name="data")
    logs.create_log_group(logGroupName="/data")
    logs.create_log_stream(logGroupName="/data", logStreamName="s")
    logs.put_log_events(logGroupName="/data", logStreamName="s", logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    cw.put_metric_data(Namespace="DataEvents", MetricData=[{"MetricName": "m", "Value": 1}])

    def delivered():
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="AWSLogs/").get("Contents", [])]
        records = [r for k in keys for r in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["Records"]]
        found = {r["eventName"]: r for r in records if r["eventName"] in ("PutLogEvents", "PutMetricData")}
        return found if len(found) == 2 else None

    found = wait_for(delivered)
    assert found["PutLogEvents"]["requestParameters"] == {"logGroupName": "/data", "logStreamName": "s"}
    assert found["PutMetricData"]["requestParameters"] == {"namespace": "DataEvents"}
    for r in found.values():
        assert r["managementEvent"] is False and r["eventCategory"] == "Data" and r["readOnly"] is False
