"""Issue [1]: the server speaks AWS to real clients: health, STS, dashboards over every
CloudWatch protocol, SigV4 refusals, malformed and gzipped bodies, unknown operations, reset,
persistence, configuration."""
import datetime
import gzip
import json
import signal
import subprocess
import sys
import urllib.request
import uuid
from unittest import mock

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import CLOUDWATCH_PROTOCOLS, ROOT, Server, model_override, wire_log

BODY = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3,
                                "properties": {"markdown": "hello"}}]})


def unique(prefix="d"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def signed_raw(server, service, headers, body, secret="test", when=None, path="/"):
    """Signs and sends a request with botocore's signer, optionally at another time."""
    req = AWSRequest(method="POST", url=server.endpoint + path, headers=headers, data=body)
    ts = when or datetime.datetime.now(datetime.timezone.utc)
    with mock.patch("botocore.auth.get_current_datetime", return_value=ts):
        botocore.auth.SigV4Auth(Credentials("test", secret), service, "us-east-1").add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_health(server):
    with urllib.request.urlopen(server.endpoint + "/_trailwatch/health") as r:
        assert r.status == 200
        assert json.loads(r.read()) == {"status": "ok"}


def test_sts_get_caller_identity_boto3(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Account"] == "000000000000"
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"
    assert ident["UserId"] == "000000000000"


def test_sts_get_caller_identity_cli(server):
    out = json.loads(server.cli("sts", "get-caller-identity").stdout)
    assert out["Account"] == "000000000000"


def test_sts_presigned_url(server):
    # As EKS tokens and Vault do: a GET URL presigned for GetCallerIdentity.
    url = server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    with urllib.request.urlopen(url) as r:
        assert r.status == 200
        assert b"<Account>000000000000</Account>" in r.read()


@pytest.mark.parametrize("protocol", CLOUDWATCH_PROTOCOLS)
def test_dashboard_round_trip_every_protocol(server, protocol):
    cw = server.client("cloudwatch", protocol)
    sent = wire_log(cw)
    name = unique()
    assert cw.put_dashboard(DashboardName=name, DashboardBody=BODY)["DashboardValidationMessages"] == []
    got = cw.get_dashboard(DashboardName=name)
    assert got["DashboardBody"] == BODY
    assert got["DashboardName"] == name
    assert got["DashboardArn"] == f"arn:aws:cloudwatch::000000000000:dashboard/{name}"
    entries = cw.list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
    assert [e["DashboardName"] for e in entries] == [name]
    assert entries[0]["Size"] == len(BODY)
    assert isinstance(entries[0]["LastModified"], datetime.datetime)
    cw.delete_dashboards(DashboardNames=[name])
    with pytest.raises(ClientError) as e:
        cw.get_dashboard(DashboardName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"
    assert e.value.response["Error"]["Message"] == f"Dashboard {name} does not exist"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # The client really used the protocol under test.
    first = sent[0]
    if protocol == "query":
        body = first.body if isinstance(first.body, bytes) else first.body.encode()
        assert b"Action=PutDashboard" in body
    elif protocol == "json":
        assert first.headers["X-Amz-Target"] == b"GraniteServiceVersion20100801.PutDashboard"
    else:
        assert first.url.endswith("/service/GraniteServiceVersion20100801/operation/PutDashboard")


@pytest.mark.parametrize("protocol", CLOUDWATCH_PROTOCOLS)
def test_dashboard_validation_errors_every_protocol(server, protocol):
    cw = server.client("cloudwatch", protocol)
    with pytest.raises(ClientError) as e:
        cw.put_dashboard(DashboardName=unique(), DashboardBody="not json")
    assert e.value.response["Error"]["Code"] == "InvalidParameterInput"
    assert e.value.response["Error"]["Message"] == "The field DashboardBody must be a valid JSON object"
    with pytest.raises(ClientError) as e:
        cw.put_dashboard(DashboardName=unique(), DashboardBody='{"widgets":[{"type":"metric","properties":{}}]}')
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterInput"
    assert err["Message"].startswith("The dashboard body is invalid, there are 3 validation errors:")
    with pytest.raises(ClientError) as e:
        cw.put_dashboard(DashboardName="bad:name", DashboardBody=BODY)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_dashboard_validation_messages_are_modeled(server):
    cw = server.client("cloudwatch")
    with pytest.raises(cw.exceptions.DashboardInvalidInputError) as e:
        cw.put_dashboard(DashboardName=unique(), DashboardBody='{"widgets":[{"type":"text"}]}')
    msgs = e.value.response["dashboardValidationMessages"]
    assert msgs == [{"DataPath": "/widgets/0", "Message": "Should have required property 'properties'"}]


def test_delete_dashboards_is_all_or_nothing(server):
    cw = server.client("cloudwatch")
    a = unique()
    cw.put_dashboard(DashboardName=a, DashboardBody=BODY)
    with pytest.raises(ClientError) as e:
        cw.delete_dashboards(DashboardNames=[a, unique("missing")])
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"
    assert cw.get_dashboard(DashboardName=a)["DashboardName"] == a


def test_list_dashboards_pages(make_server):
    s = make_server("--in-memory")
    cw = s.client("cloudwatch")
    for i in range(1003):
        cw.put_dashboard(DashboardName=f"p{i:05d}", DashboardBody='{"widgets":[]}')
    first = cw.list_dashboards()
    assert len(first["DashboardEntries"]) == 1000
    second = cw.list_dashboards(NextToken=first["NextToken"])
    assert [d["DashboardName"] for d in second["DashboardEntries"]] == ["p01000", "p01001", "p01002"]
    assert "NextToken" not in second
    paginated = [d for page in cw.get_paginator("list_dashboards").paginate() for d in page["DashboardEntries"]]
    assert len(paginated) == 1003


def test_cli_dashboard_round_trip(server):
    name = unique("cli")
    server.cli("cloudwatch", "put-dashboard", "--dashboard-name", name, "--dashboard-body", BODY)
    out = json.loads(server.cli("cloudwatch", "get-dashboard", "--dashboard-name", name).stdout)
    assert out["DashboardBody"] == BODY


@pytest.mark.parametrize("protocol", ["query", "smithy-rpc-v2-cbor"])
def test_cli_dashboard_other_protocols(server, protocol):
    name = unique("cli")
    env = {"AWS_DATA_PATH": str(model_override(protocol))}
    server.cli("cloudwatch", "put-dashboard", "--dashboard-name", name, "--dashboard-body", BODY, env=env)
    out = json.loads(server.cli("cloudwatch", "get-dashboard", "--dashboard-name", name, env=env).stdout)
    assert out["DashboardName"] == name


def test_wrong_secret(server):
    with pytest.raises(ClientError) as e:
        server.client("sts", secret="wrong").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    for protocol in CLOUDWATCH_PROTOCOLS:
        with pytest.raises(ClientError) as e:
            server.client("cloudwatch", protocol, secret="wrong").list_dashboards()
        assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch", protocol
    with pytest.raises(ClientError) as e:
        server.client("logs", secret="wrong").describe_log_groups()
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_unknown_access_key(server):
    with pytest.raises(ClientError) as e:
        server.client("sts", key="AKIAUNKNOWN").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as e:
        server.client("cloudtrail", key="AKIAUNKNOWN").describe_trails()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_expired_date(server):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    status, headers, body = signed_raw(server, "monitoring",
                                       {"Content-Type": "application/x-amz-json-1.0",
                                        "X-Amz-Target": "GraniteServiceVersion20100801.ListDashboards"}, b"{}", when=old)
    assert status == 400
    assert headers["x-amzn-query-error"] == "SignatureDoesNotMatch;Sender"
    assert json.loads(body)["message"].startswith("Signature expired:")
    status, _, body = signed_raw(server, "sts", {"Content-Type": "application/x-www-form-urlencoded"},
                                 b"Action=GetCallerIdentity&Version=2011-06-15", when=old)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body and b"Signature expired" in body


def test_missing_authentication(server):
    status, body = server.post("/", b"Action=GetCallerIdentity&Version=2011-06-15",
                               {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in body


def test_incomplete_signature(server):
    status, body = server.post("/", b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                            "X-Amz-Target": "Logs_20140328.DescribeLogGroups",
                                            "X-Amz-Date": "20250101T000000Z",
                                            "Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"})
    assert status == 400
    assert json.loads(body)["__type"] == "IncompleteSignatureException"


def test_malformed_body(server):
    status, headers, body = signed_raw(server, "monitoring",
                                       {"Content-Type": "application/x-amz-json-1.0",
                                        "X-Amz-Target": "GraniteServiceVersion20100801.GetDashboard"}, b"{oops")
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"


def test_wrong_type(server):
    status, _, body = signed_raw(server, "monitoring",
                                 {"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "GraniteServiceVersion20100801.GetDashboard"},
                                 b'{"DashboardName": 42}')
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"


def test_missing_required_member(server):
    status, headers, body = signed_raw(server, "monitoring",
                                       {"Content-Type": "application/x-amz-json-1.0",
                                        "X-Amz-Target": "GraniteServiceVersion20100801.GetDashboard"}, b"{}")
    assert status == 400
    assert headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert json.loads(body)["message"] == "The parameter DashboardName is required."


def test_gzipped_body(server):
    name = unique("gz")
    payload = gzip.compress(json.dumps({"DashboardName": name, "DashboardBody": BODY}).encode())
    status, _, _ = signed_raw(server, "monitoring",
                              {"Content-Type": "application/x-amz-json-1.0", "Content-Encoding": "gzip",
                               "X-Amz-Target": "GraniteServiceVersion20100801.PutDashboard"}, payload)
    assert status == 200
    assert server.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"] == BODY


def test_corrupt_gzip_body(server):
    status, _, body = signed_raw(server, "monitoring",
                                 {"Content-Type": "application/x-amz-json-1.0", "Content-Encoding": "gzip",
                                  "X-Amz-Target": "GraniteServiceVersion20100801.PutDashboard"}, b"\x1f\x8bnot gzip")
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"


def test_unknown_operation(server):
    status, _, body = signed_raw(server, "monitoring",
                                 {"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "GraniteServiceVersion20100801.MakeCoffee"}, b"{}")
    assert status == 400 and json.loads(body)["__type"] == "UnknownOperationException"
    status, _, body = signed_raw(server, "monitoring", {"Content-Type": "application/x-www-form-urlencoded"},
                                 b"Action=MakeCoffee&Version=2010-08-01")
    assert status == 400 and b"<Code>InvalidAction</Code>" in body


def test_operation_not_built_names_itself(server):
    with pytest.raises(ClientError) as e:
        server.client("cloudwatch").list_metric_streams()
    assert e.value.response["Error"]["Code"] == "NotImplemented"
    assert "ListMetricStreams" in e.value.response["Error"]["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_reset_endpoints(make_server):
    s = make_server("--in-memory")
    cw = s.client("cloudwatch")
    cw.put_dashboard(DashboardName="keep", DashboardBody=BODY)
    assert [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]] == ["keep"]
    assert s.post("/moto-api/reset") == (200, b'{"status": "ok"}')
    assert cw.list_dashboards()["DashboardEntries"] == []
    cw.put_dashboard(DashboardName="again", DashboardBody=BODY)
    assert [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]] == ["again"]
    assert s.post("/_trailwatch/reset")[0] == 200
    assert cw.list_dashboards()["DashboardEntries"] == []


def test_reset_disabled_on_disk(make_server, tmp_path):
    s = make_server("--data-dir", str(tmp_path))
    assert s.post("/_trailwatch/reset")[0] == 403
    s2 = make_server("--data-dir", str(tmp_path / "b"), "--enable-reset")
    assert s2.post("/_trailwatch/reset")[0] == 200


def test_state_survives_restart(make_server, tmp_path):
    s = make_server("--data-dir", str(tmp_path))
    s.client("cloudwatch").put_dashboard(DashboardName="durable", DashboardBody=BODY)
    assert s.stop(signal.SIGTERM) == 0
    s2 = make_server("--data-dir", str(tmp_path))
    assert s2.client("cloudwatch").get_dashboard(DashboardName="durable")["DashboardBody"] == BODY


def test_acknowledged_write_survives_kill_9(make_server, tmp_path):
    s = make_server("--data-dir", str(tmp_path))
    cw = s.client("cloudwatch")
    for i in range(20):
        cw.put_dashboard(DashboardName=f"k{i}", DashboardBody=BODY)
    s.stop(signal.SIGKILL)
    s2 = make_server("--data-dir", str(tmp_path))
    names = [d["DashboardName"] for d in s2.client("cloudwatch").list_dashboards()["DashboardEntries"]]
    assert names == sorted(f"k{i}" for i in range(20))


def test_open_auth_selects_account(make_server):
    s = make_server("--in-memory", "--auth", "open")
    assert s.client("sts", key="123456789012", secret="x").get_caller_identity()["Account"] == "123456789012"
    assert s.client("sts", key="AKIARANDOM", secret="y").get_caller_identity()["Account"] == "000000000000"


def test_configuration_sources(make_server, tmp_path):
    cfg = tmp_path / "tw.json"
    cfg.write_text(json.dumps({"accountId": "111122223333", "inMemory": True,
                               "credentials": [{"accessKeyId": "AKIAFILE", "secretAccessKey": "filesecret"}]}))
    s = make_server("--config", str(cfg))
    assert s.client("sts", key="AKIAFILE", secret="filesecret").get_caller_identity()["Account"] == "111122223333"
    # Environment overrides the file; flags override the environment.
    s2 = make_server("--config", str(cfg), "--account-id", "444455556666",
                     env={"TRAILWATCH_ACCESS_KEY_ID": "AKIAENV", "TRAILWATCH_SECRET_ACCESS_KEY": "envsecret",
                          "TRAILWATCH_ACCOUNT_ID": "999999999999"})
    assert s2.client("sts", key="AKIAENV", secret="envsecret").get_caller_identity()["Account"] == "444455556666"


def test_bad_configuration_is_refused(tmp_path):
    from conftest import BIN
    p = subprocess.run([str(BIN), "serve", "--account-id", "12"], capture_output=True, text=True, timeout=20)
    assert p.returncode != 0 and "12 digits" in p.stderr


def test_default_credentials_announced(make_server):
    s = make_server("--in-memory")
    s.stop()
    assert "access key 'test' and secret 'test'" in s.output[-1]


def test_generated_shapes_are_current():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_shapes.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
