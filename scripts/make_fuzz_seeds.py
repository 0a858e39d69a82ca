#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed corpora (Fuzz/corpus/<harness>/) from real requests: boto3
serializes each call exactly as it would send it (every CloudWatch protocol, Logs, CloudTrail,
S3, SNS, STS), a `before-send` hook captures the bytes and answers a stub, so nothing leaves the
process. The query-language seeds come from the data-driven test cases.

    python3 scripts/make_fuzz_seeds.py        (rewrites the generated seeds; idempotent)
"""
import copy
import datetime
import gzip
import hashlib
import json
import os
import pathlib
import re
import sys
import tempfile

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
import boto3  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORPUS = ROOT / "Fuzz" / "corpus"
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


class Stub:
    """Captures what a client sends and answers 200 with an empty body."""

    def __init__(self):
        self.sent = []

    def __call__(self, request, **_):
        self.sent.append(request)
        return AWSResponse(request.url, 200, {}, _Raw())


class _Raw:
    def stream(self, **_):
        yield b""

    def read(self, *_):
        return b""


def client(service, stub, protocol=None):
    session = botocore.session.get_session()
    if protocol:
        # Loaded through another session: the client's loader caches what it loads.
        fresh = botocore.session.get_session().get_component("data_loader")
        model = copy.deepcopy(fresh.load_service_model(service, "service-2"))
        loader = session.get_component("data_loader")
        model["metadata"]["protocols"] = [protocol]
        model["metadata"]["protocol"] = protocol
        folder = pathlib.Path(tempfile.mkdtemp()) / service / model["metadata"]["apiVersion"]
        folder.mkdir(parents=True)
        (folder / "service-2.json").write_text(json.dumps(model))
        loader.search_paths.insert(0, str(folder.parents[1]))
    c = boto3.Session(botocore_session=session).client(
        service, endpoint_url="http://127.0.0.1:4566", region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
    c.meta.events.register("before-send", stub)
    return c


def raw(request):
    """The request as bytes on the wire."""
    url = request.url.split("://", 1)[1]
    target = "/" + url.split("/", 1)[1] if "/" in url else "/"
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    head = [f"{request.method} {target} HTTP/1.1", "Host: 127.0.0.1:4566"]
    head += [f"{k}: {v.decode() if isinstance(v, bytes) else v}" for k, v in request.headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body, body


CALLS = {
    "cloudwatch": [
        ("put_metric_data", dict(Namespace="App", MetricData=[
            {"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": "h1"}], "Timestamp": NOW, "Value": 1.5, "Unit": "Seconds"},
            {"MetricName": "Latency", "Values": [1, 2, 3], "Counts": [1, 1, 2], "StorageResolution": 1},
            {"MetricName": "Req", "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}}])),
        ("get_metric_statistics", dict(Namespace="App", MetricName="Latency", StartTime=NOW - datetime.timedelta(hours=1), EndTime=NOW,
                                       Period=60, Statistics=["Sum", "Average"], ExtendedStatistics=["p99"],
                                       Dimensions=[{"Name": "Host", "Value": "h1"}])),
        ("get_metric_data", dict(StartTime=NOW - datetime.timedelta(hours=1), EndTime=NOW, ScanBy="TimestampAscending", MetricDataQueries=[
            {"Id": "a", "MetricStat": {"Metric": {"Namespace": "App", "MetricName": "Latency"}, "Period": 60, "Stat": "p90"}},
            {"Id": "b", "Expression": "RATE(a) * 2 + FILL(a, 0)"},
            {"Id": "c", "Expression": "SUM(SEARCH('{App,Host} MetricName=\"Latency\"', 'Average', 300))"},
            {"Id": "d", "Expression": "SELECT AVG(Latency) FROM SCHEMA(App, Host) GROUP BY Host ORDER BY AVG() DESC LIMIT 5", "Period": 300}])),
        ("list_metrics", dict(Namespace="App", Dimensions=[{"Name": "Host"}], RecentlyActive="PT3H")),
        ("put_dashboard", dict(DashboardName="ops", DashboardBody=json.dumps({"widgets": [
            {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
             "properties": {"metrics": [["App", "Latency", "Host", "h1"]], "region": "us-east-1", "stat": "p99", "period": 60}},
            {"type": "text", "x": 0, "y": 6, "width": 6, "height": 3, "properties": {"markdown": "# hi"}}]}))),
        ("get_dashboard", dict(DashboardName="ops")),
        ("list_dashboards", dict(DashboardNamePrefix="o")),
        ("delete_dashboards", dict(DashboardNames=["ops", "old"])),
        ("tag_resource", dict(ResourceARN="arn:aws:cloudwatch::000000000000:dashboard/ops", Tags=[{"Key": "team", "Value": "a"}])),
    ],
    "logs": [
        ("create_log_group", dict(logGroupName="app", tags={"env": "dev"})),
        ("create_log_stream", dict(logGroupName="app", logStreamName="web-1")),
        ("put_log_events", dict(logGroupName="app", logStreamName="web-1", logEvents=[
            {"timestamp": int(NOW.timestamp() * 1000), "message": '{"status": 500, "path": "/api", "latency": 12.5}'},
            {"timestamp": int(NOW.timestamp() * 1000) + 1, "message": "127.0.0.1 GET /index.html 200 512"},
            {"timestamp": int(NOW.timestamp() * 1000) + 2, "message": json.dumps({"_aws": {"Timestamp": int(NOW.timestamp() * 1000),
                "CloudWatchMetrics": [{"Namespace": "E", "Dimensions": [["Service"]], "Metrics": [{"Name": "Lat", "Unit": "Milliseconds"}]}]},
                "Service": "api", "Lat": [1, 2, 3]})}])),
        ("filter_log_events", dict(logGroupName="app", filterPattern='{ $.status = 5* && $.latency > 10 }', startTime=0, limit=50)),
        ("get_log_events", dict(logGroupName="app", logStreamName="web-1", startFromHead=True, limit=10)),
        ("describe_log_groups", dict(logGroupNamePrefix="a", limit=5)),
        ("describe_log_streams", dict(logGroupName="app", orderBy="LastEventTime", descending=True)),
        ("put_metric_filter", dict(logGroupName="app", filterName="errors", filterPattern='[ip, user, ts, req, status=5*, size]',
                                   metricTransformations=[{"metricName": "E", "metricNamespace": "App", "metricValue": "$size",
                                                           "dimensions": {"Status": "$status"}, "unit": "Bytes"}])),
        ("test_metric_filter", dict(filterPattern='%ERROR|WARN%', logEventMessages=["ERROR boom", "ok"])),
        ("put_retention_policy", dict(logGroupName="app", retentionInDays=7)),
        ("create_export_task", dict(logGroupName="app", fromTime=0, to=1, destination="b", destinationPrefix="p")),
    ],
    "cloudtrail": [
        ("create_trail", dict(Name="org", S3BucketName="audit", IsMultiRegionTrail=True, EnableLogFileValidation=True,
                              TagsList=[{"Key": "k", "Value": "v"}])),
        ("put_event_selectors", dict(TrailName="org", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                     "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::audit/"]}]}])),
        ("put_event_selectors", dict(TrailName="org", AdvancedEventSelectors=[{"Name": "s3", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::audit/"]}, {"Field": "readOnly", "Equals": ["false"]}]}])),
        ("put_insight_selectors", dict(TrailName="org", InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])),
        ("lookup_events", dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTrail"}],
                               StartTime=NOW - datetime.timedelta(days=1), EndTime=NOW, MaxResults=10)),
        ("get_trail_status", dict(Name="org")),
        ("describe_trails", dict(trailNameList=["org"])),
        ("list_public_keys", dict()),
    ],
    "sns": [
        ("create_topic", dict(Name="alerts")),
        ("subscribe", dict(TopicArn="arn:aws:sns:us-east-1:000000000000:alerts", Protocol="https", Endpoint="https://127.0.0.1/hook")),
        ("publish", dict(TopicArn="arn:aws:sns:us-east-1:000000000000:alerts", Message="hello", Subject="s")),
    ],
    "sts": [("get_caller_identity", dict())],
    "s3": [
        ("create_bucket", dict(Bucket="audit", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})),
        ("put_object", dict(Bucket="audit", Key="a/b.txt", Body=b"hello", Metadata={"k": "v"})),
        ("list_objects_v2", dict(Bucket="audit", Prefix="a/", Delimiter="/", MaxKeys=10)),
        ("get_object", dict(Bucket="audit", Key="a/b.txt")),
        ("delete_object", dict(Bucket="audit", Key="a/b.txt")),
    ],
}

SIGNING = {"cloudwatch": "monitoring", "logs": "logs", "cloudtrail": "cloudtrail", "sns": "sns", "sts": "sts", "s3": "s3"}


def seed(harness, data):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def op_name(method):
    return "".join(p.capitalize() for p in method.split("_"))


def main():
    for service, calls in CALLS.items():
        protocols = [None, "query", "smithy-rpc-v2-cbor"] if service == "cloudwatch" else [None]
        for protocol in protocols:
            stub = Stub()
            c = client(service, stub, protocol)
            for method, params in calls:
                try:
                    getattr(c, method)(**params)
                except Exception:  # the stub's empty answer need not parse
                    pass
            for request, (method, _) in zip(stub.sent, calls):
                wire, body = raw(request)
                seed("pipeline", wire)
                name = f"{SIGNING[service]}.{op_name(method)}".replace("Sts.", "sts.")
                headers = "\n".join(f"{k}: {v.decode() if isinstance(v, bytes) else v}" for k, v in request.headers.items())
                query = request.url.split("?", 1)[1] if "?" in request.url else ""
                seed("sigv4", f"{query}\n{headers}\nhost: 127.0.0.1:4566\n\n".encode() + body)
                ctype = request.headers.get("Content-Type", b"")
                ctype = ctype.decode() if isinstance(ctype, bytes) else ctype
                if request.headers.get("Content-Encoding") in (b"gzip", "gzip"):
                    seed("gzip", body)
                    body = gzip.decompress(body)
                elif body:
                    seed("gzip", gzip.compress(body))
                if "json" in ctype:
                    seed("json", body)
                    seed("model", name.encode() + b"\n" + body)
                elif "cbor" in ctype:
                    seed("cbor", name.encode() + b"\n" + body)
                elif "x-www-form-urlencoded" in ctype:
                    seed("query", name.encode() + b"\n" + body)
                elif body.startswith(b"<"):
                    seed("xml", body)
                if service == "cloudwatch" and method == "put_metric_data" and "json" in ctype:
                    seed("putmetricdata-json", body)
                if method == "put_log_events":
                    seed("putlogevents-json", body)
                if method == "put_event_selectors":
                    seed("event-selectors", body)
                if method == "put_dashboard" and "json" in ctype:
                    seed("dashboard", json.loads(body)["DashboardBody"].encode())
    # The inputs that once crashed the server are raw requests too.
    for crash in sorted((ROOT / "Tests" / "EndToEnd" / "fixtures" / "fuzz-crashes").glob("*.bin")):
        seed("pipeline", crash.read_bytes())
    # Query languages: the data-driven cases.
    messages = ['{"status": 500, "path": "/api"}', "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
                "ERROR timeout after 30s"]
    for line in (ROOT / "Tests" / "CloudWatchLogsTests" / "Fixtures" / "filter-patterns.cases").read_text().splitlines():
        m = re.match(r"^(?:pattern|invalid):?\s*(.+)$", line.strip())
        if m:
            for msg in messages:
                seed("filter-pattern", (m.group(1) + "\n" + msg).encode())
    for line in (ROOT / "Tests" / "CloudWatchMetricsTests" / "Fixtures" / "math.cases").read_text().splitlines():
        q = re.match(r"^query \S+ = insights (.+?)( period \d+)?$", line)
        if q:
            seed("insights", q.group(1).encode())
        m = re.match(r"^query \S+ = expr (.+?)( hidden)?$", line)
        if not m:
            continue
        expr = m.group(1)
        if expr.upper().startswith("SELECT"):
            seed("insights", expr.encode())
        else:
            seed("metric-math", expr.encode())
        for s in re.findall(r"SEARCH\('((?:[^'\\]|\\.)*)'", expr):
            seed("search", s.encode())
    seed("xml", b'<?xml version="1.0"?><CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                b"<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
    seed("xml", b"<a x='1'><![CDATA[x<y]]>&amp;&#65;<b/></a>")
    seed("insights", b"SELECT MAX(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId) WHERE InstanceType = 'm5.large' "
                     b"GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10")
    for harness in sorted(p.name for p in CORPUS.iterdir()):
        print(f"{harness}: {len(list((CORPUS / harness).iterdir()))} seeds")


if __name__ == "__main__":
    sys.exit(main())
