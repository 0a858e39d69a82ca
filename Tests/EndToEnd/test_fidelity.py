"""Issue [5], item 8: answers where Trailwatch differed from AWS (AWS-recorded responses and the
API references), each pinned through boto3."""
import datetime
import time
import uuid

import pytest
from botocore.exceptions import ClientError


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)


def stat(id_, name, stat_, period, ns):
    return {"Id": id_, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": name}, "Period": period, "Stat": stat_}}


def test_get_metric_data_default_labels(server):
    cw = server.client("cloudwatch")
    ns = unique("labels")
    t = now()
    cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "metric1", "Value": 1, "Timestamp": t - datetime.timedelta(minutes=2)}])
    window = {"StartTime": t - datetime.timedelta(minutes=10), "EndTime": t + datetime.timedelta(minutes=1)}

    def labels(queries):
        return [r["Label"] for r in cw.get_metric_data(MetricDataQueries=queries, **window)["MetricDataResults"]]

    assert labels([stat("a", "metric1", "Sum", 60, ns)]) == ["metric1"]
    assert labels([stat("a", "metric1", "Sum", 60, ns), stat("b", "metric1", "Sum", 60, ns)]) == ["metric1", "metric1"]
    assert labels([stat("a", "metric1", "Sum", 60, ns), stat("b", "metric1", "Average", 60, ns)]) == ["metric1 Sum", "metric1 Average"]
    assert labels([stat("a", "metric1", "Sum", 60, ns), stat("b", "metric1", "Average", 300, ns)]) == \
        ["metric1 Sum 60", "metric1 Average 300"]
    assert labels([stat("a", "metric1", "Sum", 60, ns), stat("b", "metric1", "Sum", 300, ns)]) == ["metric1 60", "metric1 300"]


def test_arns_use_the_region_partition(server):
    for region, partition in (("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws")):
        logs = server.client("logs", region=region)
        group = unique("part")
        logs.create_log_group(logGroupName=group)
        described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
        assert described["arn"] == f"arn:{partition}:logs:{region}:000000000000:log-group:{group}:*"
        cw = server.client("cloudwatch", region=region)
        cw.put_dashboard(DashboardName=group, DashboardBody='{"widgets":[]}')
        assert cw.get_dashboard(DashboardName=group)["DashboardArn"] == f"arn:{partition}:cloudwatch::000000000000:dashboard/{group}"
        sns = server.client("sns", region=region)
        assert sns.create_topic(Name=group)["TopicArn"] == f"arn:{partition}:sns:{region}:000000000000:{group}"
        identity = server.client("sts", region=region).get_caller_identity()
        assert identity["Arn"] == f"arn:{partition}:iam::000000000000:root"


def test_create_trail_checks_in_aws_order(server):
    ct = server.client("cloudtrail")
    s3 = server.client("s3")
    name = unique("trail")
    # The combination is refused before the (missing) bucket is looked at.
    assert error(lambda: ct.create_trail(Name=name, S3BucketName="no-such-bucket-x", IsMultiRegionTrail=True,
                                         IncludeGlobalServiceEvents=False)) == \
        ("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
    assert error(lambda: ct.create_trail(Name=name, S3BucketName="no-such-bucket-x")) == \
        ("S3BucketDoesNotExistException", "S3 bucket no-such-bucket-x does not exist!")
    bucket = unique("trail-bucket")
    s3.create_bucket(Bucket=bucket)
    assert error(lambda: ct.create_trail(Name=name, S3BucketName=bucket, SnsTopicName="no-such-topic")) == \
        ("InsufficientSnsTopicPolicyException", "SNS Topic does not exist or the topic policy is incorrect!")
    ct.create_trail(Name=name, S3BucketName=bucket)
    assert error(lambda: ct.update_trail(Name=name, IsMultiRegionTrail=True, IncludeGlobalServiceEvents=False)) == \
        ("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
    ct.delete_trail(Name=name)


@pytest.mark.parametrize("call", ["get_trail", "get_trail_status"])
def test_trail_name_validated_before_lookup(server, call):
    ct = server.client("cloudtrail")
    assert error(lambda: getattr(ct, call)(Name="a")) == \
        ("InvalidTrailNameException", "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 1 characters.")


def test_export_without_prefix_writes_its_check_at_the_bucket_root(server):
    logs, s3 = server.client("logs"), server.client("s3")
    group, bucket = unique("exp"), unique("exp-bucket")
    s3.create_bucket(Bucket=bucket)
    logs.create_log_group(logGroupName=group)
    t = int(time.time() * 1000)
    task = logs.create_export_task(logGroupName=group, fromTime=t - 60_000, to=t, destination=bucket)["taskId"]
    deadline = time.time() + 10
    while time.time() < deadline:
        status = logs.describe_export_tasks(taskId=task)["exportTasks"][0]["status"]["code"]
        if status in ("COMPLETED", "FAILED"):
            break
        time.sleep(0.1)
    assert status == "COMPLETED"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "aws-logs-write-test" in keys
    assert s3.get_object(Bucket=bucket, Key="aws-logs-write-test")["Body"].read() == b"Permission Check Successful"


def test_describe_log_groups_token_is_the_last_name(server):
    logs = server.client("logs")
    prefix = unique("page")
    for i in range(3):
        logs.create_log_group(logGroupName=f"{prefix}-{i}")
    first = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2)
    assert first["nextToken"] == f"{prefix}-1"
    rest = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == [f"{prefix}-2"]
    assert logs.describe_log_groups(logGroupNamePrefix=prefix, nextToken="matches-nothing")["logGroups"] == []


def test_metric_filter_namespace_with_colon_and_long_group_on_delete(server):
    logs = server.client("logs")
    group = unique("mf")
    logs.create_log_group(logGroupName=group)
    logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern="ERROR", metricTransformations=[
        {"metricName": "Errors", "metricNamespace": "App:Errors", "metricValue": "1"}])
    assert logs.describe_metric_filters(logGroupName=group)["metricFilters"][0]["metricTransformations"][0]["metricNamespace"] == "App:Errors"
    assert error(lambda: logs.delete_metric_filter(logGroupName="g" * 513, filterName="f")) == \
        ("InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")


def test_metric_filter_refuses_non_finite_values(server):
    logs = server.client("logs")
    group = unique("mf-nan")
    logs.create_log_group(logGroupName=group)
    for value in ("NaN", "inf", "1e400"):
        code, _ = error(lambda: logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern="ERROR", metricTransformations=[
            {"metricName": "E", "metricNamespace": "App", "metricValue": value}]))
        assert code == "InvalidParameterException"


def test_s3_list_object_versions_is_not_answered_as_a_listing(server):
    s3 = server.client("s3")
    bucket = unique("versions")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.list_object_versions(Bucket=bucket)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert e.value.response["Error"]["Code"] == "NotImplemented"
