"""Issue [5]: with two accounts configured, account B cannot reach account A's resources by ARN
(log groups, buckets, trails, topics), and A's event history shows B's attempts; operator
endpoints need an operator; a credential scope with an empty region is refused."""
import json
import time
import urllib.request

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

A, B = "111111111111", "222222222222"


@pytest.fixture(scope="module")
def two_accounts(tmp_path_factory):
    from conftest import Server
    cfg = tmp_path_factory.mktemp("cfg") / "trailwatch.json"
    cfg.write_text(json.dumps({"credentials": [
        {"accessKeyId": "AKIAACCOUNTA", "secretAccessKey": "secret-a", "accountId": A},
        {"accessKeyId": "AKIAACCOUNTB", "secretAccessKey": "secret-b", "accountId": B}]}))
    s = Server("--in-memory", "--config", str(cfg), "--operator-token", "op-secret")
    yield s
    s.stop()


def clients(server, service, **kw):
    return (server.client(service, key="AKIAACCOUNTA", secret="secret-a", **kw),
            server.client(service, key="AKIAACCOUNTB", secret="secret-b", **kw))


def code_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def test_log_group_arn_of_another_account_is_refused(two_accounts):
    a, b = clients(two_accounts, "logs")
    a.create_log_group(logGroupName="secret-app")
    a.create_log_stream(logGroupName="secret-app", logStreamName="s")
    a.put_log_events(logGroupName="secret-app", logStreamName="s",
                     logEvents=[{"timestamp": int(time.time() * 1000), "message": "password=hunter2"}])
    arn = f"arn:aws:logs:us-east-1:{A}:log-group:secret-app"
    assert a.get_log_events(logGroupIdentifier=arn, logStreamName="s")["events"]
    assert code_of(lambda: b.get_log_events(logGroupIdentifier=arn, logStreamName="s")) == "AccessDeniedException"
    assert code_of(lambda: b.filter_log_events(logGroupIdentifier=arn)) == "AccessDeniedException"
    assert code_of(lambda: b.list_tags_for_resource(resourceArn=arn)) == "AccessDeniedException"
    assert code_of(lambda: b.tag_resource(resourceArn=arn, tags={"x": "y"})) == "AccessDeniedException"
    assert a.list_tags_for_resource(resourceArn=arn)["tags"] == {}


def test_bucket_of_another_account_is_refused(two_accounts):
    a, b = clients(two_accounts, "s3")
    a.create_bucket(Bucket="a-private")
    a.put_object(Bucket="a-private", Key="k", Body=b"secret")
    assert code_of(lambda: b.get_object(Bucket="a-private", Key="k")) == "AccessDenied"
    assert code_of(lambda: b.list_objects_v2(Bucket="a-private")) == "AccessDenied"
    assert code_of(lambda: b.put_object(Bucket="a-private", Key="evil", Body=b"x")) == "AccessDenied"
    assert code_of(lambda: b.delete_object(Bucket="a-private", Key="k")) == "AccessDenied"
    assert code_of(lambda: b.delete_bucket(Bucket="a-private")) == "AccessDenied"
    assert code_of(lambda: b.head_bucket(Bucket="a-private")) == "403"
    assert [o["Key"] for o in a.list_objects_v2(Bucket="a-private")["Contents"]] == ["k"]
    assert a.get_object(Bucket="a-private", Key="k")["Body"].read() == b"secret"


def test_trail_of_another_account_cannot_be_read_stopped_or_deleted(two_accounts):
    s3a, _ = clients(two_accounts, "s3")
    a, b = clients(two_accounts, "cloudtrail")
    s3a.create_bucket(Bucket="a-audit")
    arn = a.create_trail(Name="org", S3BucketName="a-audit")["TrailARN"]
    a.start_logging(Name=arn)
    for call in (lambda: b.get_trail(Name=arn), lambda: b.get_trail_status(Name=arn),
                 lambda: b.stop_logging(Name=arn), lambda: b.delete_trail(Name=arn)):
        assert code_of(call) == "TrailNotFoundException"
    assert a.get_trail_status(Name=arn)["IsLogging"] is True
    assert a.get_trail(Name=arn)["Trail"]["TrailARN"] == arn
    # A's event history shows B's attempt on A's trail.
    deadline = time.time() + 10
    while time.time() < deadline:
        events = a.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DeleteTrail"}])["Events"]
        if events:
            break
        time.sleep(0.3)
    assert events, "the owner's history has no record of B's DeleteTrail"
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["userIdentity"]["accountId"] == B
    assert record["recipientAccountId"] == A
    assert record["errorCode"] == "TrailNotFoundException"


def test_topic_of_another_account_is_refused(two_accounts):
    a, b = clients(two_accounts, "sns")
    arn = a.create_topic(Name="alerts")["TopicArn"]
    assert code_of(lambda: b.publish(TopicArn=arn, Message="hi")) == "AuthorizationError"
    assert code_of(lambda: b.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/x")) == "AuthorizationError"
    assert code_of(lambda: b.get_topic_attributes(TopicArn=arn)) == "AuthorizationError"
    assert code_of(lambda: b.delete_topic(TopicArn=arn)) == "AuthorizationError"
    assert a.get_topic_attributes(TopicArn=arn)["Attributes"]["Owner"] == A


def unsigned(server, method, path, headers=None):
    req = urllib.request.Request(server.endpoint + path, data=b"" if method == "POST" else None,
                                 headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def signed(server, method, path, key, secret):
    req = AWSRequest(method=method, url=server.endpoint + path, data=b"")
    botocore.auth.SigV4Auth(Credentials(key, secret), "monitoring", "us-east-1").add_auth(req)
    r = urllib.request.Request(server.endpoint + path, data=b"" if method == "POST" else None,
                               headers=dict(req.headers), method=method)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def test_operator_endpoints_need_an_operator(two_accounts):
    s = two_accounts
    assert unsigned(s, "GET", "/_trailwatch/health") == 200
    assert unsigned(s, "GET", "/_trailwatch/stats") == 403
    assert unsigned(s, "POST", "/_trailwatch/maintenance") == 403
    assert unsigned(s, "GET", "/_trailwatch/stats", {"x-trailwatch-operator-token": "wrong"}) == 403
    assert unsigned(s, "GET", "/_trailwatch/stats", {"x-trailwatch-operator-token": "op-secret"}) == 200
    assert signed(s, "GET", "/_trailwatch/stats", "AKIAACCOUNTA", "secret-a") == 200
    assert signed(s, "POST", "/_trailwatch/maintenance", "AKIAACCOUNTB", "secret-b") == 200
    assert signed(s, "GET", "/_trailwatch/stats", "AKIAACCOUNTA", "wrong-secret") == 403


def test_reset_refuses_a_cross_origin_browser_post(make_server):
    s = make_server("--in-memory")
    cw = s.client("cloudwatch")
    cw.put_dashboard(DashboardName="keep", DashboardBody='{"widgets":[]}')
    for path in ("/_trailwatch/reset", "/moto-api/reset"):
        status = unsigned(s, "POST", path, {"Origin": "https://evil.example", "Content-Type": "text/plain"})
        assert status == 403
    assert [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]] == ["keep"]
    # The server's own origin (its console, [10]) may reset.
    assert unsigned(s, "POST", "/_trailwatch/reset", {"Origin": s.endpoint}) == 200
    assert cw.list_dashboards()["DashboardEntries"] == []


def test_empty_region_in_credential_scope_is_refused(server):
    body = b"{}"
    # Sign properly for an empty region: only the scope is wrong.
    req = AWSRequest(method="POST", url=server.endpoint + "/", data=body, headers={
        "X-Amz-Target": "GraniteServiceVersion20100801.ListDashboards", "Content-Type": "application/x-amz-json-1.0"})
    botocore.auth.SigV4Auth(Credentials("test", "test"), "monitoring", "").add_auth(req)
    assert "//monitoring/aws4_request" in req.headers["Authorization"]
    r = urllib.request.Request(server.endpoint + "/", data=body, headers=dict(req.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(r, timeout=10)
    assert e.value.code == 400
    answer = json.loads(e.value.read())
    assert answer["__type"].endswith("InvalidSignatureException")
    assert "valid region" in answer["message"]


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_s3_presigned_put_and_get_work(server, signature_version):
    """botocore presigns S3 URLs with signature version 2 by default (`AWSAccessKeyId`,
    `Signature`, `Expires`), with SigV4 when configured; both work for PUT as for GET."""
    import urllib3
    from botocore.config import Config
    from conftest import TLS, tls_files
    config = Config(signature_version=signature_version) if signature_version else None
    s3 = server.client("s3", config=config)
    bucket = f"presigned-{signature_version or 'v2'}"
    s3.create_bucket(Bucket=bucket)
    http = urllib3.PoolManager(ca_certs=tls_files()[0] if TLS else None)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=300)
    assert http.request("PUT", put_url, body=b"uploaded").status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=300)
    got = http.request("GET", get_url)
    assert got.status == 200 and got.data == b"uploaded"
    # A tampered signature is refused.
    key = "Signature=" if signature_version is None else "X-Amz-Signature="
    assert http.request("PUT", put_url.replace(key, key + "0"), body=b"x").status == 403
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"
