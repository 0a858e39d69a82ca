"""CloudTrail through the new AWS SDK for Python (`aws-sdk-cloudtrail`, smithy-python, async).

Unlike botocore, this SDK sends `X-Amz-Target: CloudTrail_20131101.<Operation>` and decodes
responses and errors strictly by the Smithy model's member names. It needs Python >= 3.12, so
this folder runs in its own venv (.venv-sdk312), not with the Python 3.11 end-to-end suite.

The module starts its own `trailwatch serve --in-memory` on a free loopback port (strict SigV4,
credentials test/test) and stops it with SIGTERM at the end. TRAILWATCH_BIN overrides the binary.
Every client here talks to 127.0.0.1 only: an audit hook refuses any other socket connection.
"""
import asyncio
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("TRAILWATCH_BIN", ROOT / ".build" / "debug" / "trailwatch"))
REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "test", "test"

# Hermetic SDK environment: static test keys, no IMDS, no shared config or credentials files.
os.environ.update(
    AWS_EC2_METADATA_DISABLED="true",
    AWS_ACCESS_KEY_ID=ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    AWS_REGION=REGION,
    AWS_CONFIG_FILE="/nonexistent/trailwatch-sdk312/config",
    AWS_SHARED_CREDENTIALS_FILE="/nonexistent/trailwatch-sdk312/credentials",
)
for _var in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDTRAIL"):
    os.environ.pop(_var, None)

from aws_sdk_cloudtrail.client import AsyncCloudTrailClient  # noqa: E402
from aws_sdk_cloudtrail.config import AsyncCloudTrailConfig  # noqa: E402
from aws_sdk_cloudtrail.models import (  # noqa: E402
    CreateTrailInput,
    DeleteTrailInput,
    DescribeTrailsInput,
    GetTrailInput,
    GetTrailStatusInput,
    LookupAttribute,
    LookupEventsInput,
    ServiceError,
    StartLoggingInput,
    StopLoggingInput,
    TrailNotFoundException,
)
from smithy_aws_core.identity import AWSCredentialsIdentity  # noqa: E402
from smithy_aws_core.identity.static import StaticCredentialsResolver  # noqa: E402
from smithy_core.exceptions import CallError  # noqa: E402
from smithy_core.interceptors import Interceptor  # noqa: E402


def _loopback_only(event, args):
    """Refuse any TCP/UDP connection that is not to the loopback range (IMDS included)."""
    if event not in ("socket.connect", "socket.sendto"):
        return
    address = args[1] if event == "socket.connect" else args[-1]
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        try:
            ip = ipaddress.ip_address(address[0])
        except ValueError:
            raise RuntimeError(f"test client tried to connect to {address!r}")
        if not ip.is_loopback:
            raise RuntimeError(f"test client tried to connect to non-loopback {address!r}")


sys.addaudithook(_loopback_only)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self):
        if not BIN.exists():
            raise RuntimeError(f"{BIN} does not exist: build trailwatch first")
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("trailwatch exited: " + self.output())
            try:
                with urllib.request.urlopen(self.endpoint + "/_trailwatch/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("trailwatch did not become healthy: " + self.output())

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _sigv4_request(endpoint, method, path, service, body=b""):
    """A urllib request signed with SigV4 (test/test, us-east-1), for the S3 set-up calls."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = endpoint.split("://", 1)[1]
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, payload_hash])
    scope = f"{day}/{REGION}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (day, REGION, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    del headers["host"]
    return urllib.request.Request(endpoint + path, data=body if method != "GET" else None,
                                  method=method, headers=headers)


class _Recorder(Interceptor):
    """Keeps every request the SDK sent (method, URL, headers, body) with the status and headers
    it got back, so a failing assertion can show what went over the wire."""

    def __init__(self):
        self.exchanges = []

    def __deepcopy__(self, memo):  # the client deep-copies its config; keep one shared log
        return self

    def read_before_transmit(self, context):
        r = context.transport_request
        body = r.body
        if not isinstance(body, (bytes, bytearray)):  # AsyncBytesReader over a BytesIO
            data = getattr(body, "_data", None)
            body = data.getvalue() if hasattr(data, "getvalue") else repr(body)
        self.exchanges.append({
            "request": f"{r.method} {r.destination.scheme}://{r.destination.host}:{r.destination.port}{r.destination.path or '/'}",
            "headers": {f.name: f.as_string() for f in r.fields},
            "body": bytes(body).decode() if isinstance(body, (bytes, bytearray)) else body,
        })

    def read_after_transmit(self, context):
        r = context.transport_response
        self.exchanges[-1]["status"] = r.status
        self.exchanges[-1]["response_headers"] = {f.name: f.as_string() for f in r.fields}

    def last(self):
        return json.dumps(self.exchanges[-1] if self.exchanges else None, indent=1, default=str)


RECORDER = _Recorder()


def _replay(exchange):
    """Resend a recorded SDK request byte for byte (its signature is still fresh) and return the
    raw answer, for assertion messages about what the server put on the wire."""
    url = exchange["request"].split(" ", 1)[1]
    headers = {k: v for k, v in exchange["headers"].items() if k.lower() not in ("host", "content-length")}
    req = urllib.request.Request(url, data=exchange["body"].encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return f"{r.status} {r.read().decode()}"
    except urllib.error.HTTPError as e:
        return f"{e.code} {e.read().decode()}"


async def _client(endpoint, secret=SECRET_KEY):
    config = await AsyncCloudTrailConfig.resolve(
        endpoint_uri=endpoint,
        region=REGION,
        aws_credentials_identity_resolver=StaticCredentialsResolver(
            AWSCredentialsIdentity(access_key_id=ACCESS_KEY, secret_access_key=secret)),
        max_attempts=1,
        interceptors=[RECORDER],
    )
    return AsyncCloudTrailClient(config=config)


def call(server, method, request, secret=SECRET_KEY):
    """Run one SDK operation on a fresh client (and event loop) and return its output."""
    async def go():
        async with await _client(server.endpoint, secret) as ct:
            return await getattr(ct, method)(request)
    return asyncio.run(go())


@pytest.fixture(scope="module")
def server():
    s = _Server()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def bucket(server):
    name = f"sdk312-{uuid.uuid4().hex[:12]}"
    with urllib.request.urlopen(_sigv4_request(server.endpoint, "PUT", f"/{name}", "s3"), timeout=10) as r:
        assert r.status == 200
    return name


@pytest.fixture(scope="module")
def trail(server, bucket):
    name = f"sdk312-trail-{uuid.uuid4().hex[:8]}"
    out = call(server, "create_trail", CreateTrailInput(name=name, s3_bucket_name=bucket, s3_key_prefix="sdk312"))
    return name, out


def test_create_trail_answers_the_modeled_shape(trail, bucket):
    name, out = trail
    assert out.name == name, RECORDER.last()
    assert out.s3_bucket_name == bucket and out.s3_key_prefix == "sdk312"
    assert out.trail_arn == f"arn:aws:cloudtrail:{REGION}:000000000000:trail/{name}"
    assert out.is_multi_region_trail is False
    assert out.include_global_service_events is True
    assert out.log_file_validation_enabled is False


def _header(exchange, name):
    return next((v for k, v in exchange["headers"].items() if k.lower() == name.lower()), None)


def test_the_sdk_sends_the_short_target_prefix_signed(trail):
    """The server must accept `CloudTrail_20131101.<Op>` (no com.amazonaws.cloudtrail.v20131101.)
    from a client that signs with SigV4 for service `cloudtrail`."""
    creates = [x for x in RECORDER.exchanges if _header(x, "X-Amz-Target") == "CloudTrail_20131101.CreateTrail"]
    assert creates, RECORDER.exchanges
    create = creates[0]
    assert create["status"] == 200, create
    assert _header(create, "Content-Type") == "application/x-amz-json-1.1"
    auth = _header(create, "Authorization")
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/") and f"/{REGION}/cloudtrail/aws4_request" in auth


def test_strict_auth_refuses_a_wrong_secret(server, trail):
    """The server runs in strict mode, so the passing calls above really were verified SigV4."""
    with pytest.raises(CallError) as err:
        call(server, "describe_trails", DescribeTrailsInput(), secret="not-the-secret")
    assert not isinstance(err.value, TrailNotFoundException)
    answer = RECORDER.exchanges[-1]
    assert answer["status"] in (400, 403), answer
    error_type = next(v for k, v in answer["response_headers"].items() if k.lower() == "x-amzn-errortype")
    assert "Signature" in error_type, answer


def test_describe_trails_and_get_trail_return_it(server, trail, bucket):
    name, created = trail
    described = call(server, "describe_trails", DescribeTrailsInput(trail_name_list=[name]))
    assert [t.name for t in described.trail_list] == [name], RECORDER.last()
    t = described.trail_list[0]
    assert t.trail_arn == created.trail_arn and t.s3_bucket_name == bucket and t.s3_key_prefix == "sdk312"
    assert t.home_region == REGION and t.is_organization_trail is False
    everything = call(server, "describe_trails", DescribeTrailsInput())
    assert name in [t.name for t in everything.trail_list]
    got = call(server, "get_trail", GetTrailInput(name=name)).trail
    assert got is not None, RECORDER.last()
    assert got.name == name and got.trail_arn == created.trail_arn and got.s3_bucket_name == bucket
    by_arn = call(server, "get_trail", GetTrailInput(name=created.trail_arn)).trail
    assert by_arn.name == name


def test_start_logging_then_status_is_logging(server, trail):
    name, _ = trail
    before = call(server, "get_trail_status", GetTrailStatusInput(name=name))
    assert before.is_logging is False, RECORDER.last()
    call(server, "start_logging", StartLoggingInput(name=name))
    status = call(server, "get_trail_status", GetTrailStatusInput(name=name))
    assert status.is_logging is True, RECORDER.last()
    assert isinstance(status.start_logging_time, datetime.datetime)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - status.start_logging_time).total_seconds()) < 300
    call(server, "stop_logging", StopLoggingInput(name=name))
    assert call(server, "get_trail_status", GetTrailStatusInput(name=name)).is_logging is False
    call(server, "start_logging", StartLoggingInput(name=name))
    assert call(server, "get_trail_status", GetTrailStatusInput(name=name)).is_logging is True


def test_lookup_events_lists_the_create_trail_call(server, trail):
    name, created = trail
    # CloudTrail names a trail resource by its ARN, as AWS does.
    lookup = LookupEventsInput(lookup_attributes=[LookupAttribute(attribute_key="ResourceName",
                                                                  attribute_value=created.trail_arn)],
                               max_results=50)
    deadline, events = time.time() + 10, []
    while time.time() < deadline:
        events = [e for e in call(server, "lookup_events", lookup).events or [] if e.event_name == "CreateTrail"]
        if events:
            break
        time.sleep(0.25)
    assert len(events) == 1, RECORDER.last()
    e = events[0]
    assert e.event_source == "cloudtrail.amazonaws.com" and e.read_only == "false"
    assert e.access_key_id == ACCESS_KEY and e.username == "root"
    assert isinstance(e.event_time, datetime.datetime)
    assert [(r.resource_type, r.resource_name) for r in e.resources] == [("AWS::CloudTrail::Trail", created.trail_arn)]
    record = json.loads(e.cloud_trail_event)
    assert record["eventName"] == "CreateTrail" and record["eventSource"] == "cloudtrail.amazonaws.com"
    assert record["awsRegion"] == REGION and record["eventID"] == e.event_id
    assert record["userAgent"].startswith("aws-sdk-python/")
    assert record["requestParameters"]["name"] == name
    assert record["responseElements"]["trailARN"] == created.trail_arn
    assert "errorCode" not in record
    by_name = call(server, "lookup_events", LookupEventsInput(
        lookup_attributes=[LookupAttribute(attribute_key="EventName", attribute_value="CreateTrail")]))
    assert e.event_id in [x.event_id for x in by_name.events]


def test_a_missing_trail_raises_trail_not_found(server):
    missing = f"no-such-trail-{uuid.uuid4().hex[:8]}"
    with pytest.raises(TrailNotFoundException) as err:
        call(server, "get_trail", GetTrailInput(name=missing))
    assert isinstance(err.value, ServiceError) and err.value.fault == "client"
    answer = RECORDER.exchanges[-1]
    assert answer["status"] == 400 and next(v for k, v in answer["response_headers"].items()
                                            if k.lower() == "x-amzn-errortype") == "TrailNotFoundException"
    with pytest.raises(TrailNotFoundException):
        call(server, "get_trail_status", GetTrailStatusInput(name=missing))
    with pytest.raises(TrailNotFoundException):
        call(server, "delete_trail", DeleteTrailInput(name=missing))


def test_a_missing_trail_error_carries_its_message(server):
    """The Smithy model names the member `Message`; the SDK reads only that key."""
    missing = f"no-such-trail-{uuid.uuid4().hex[:8]}"
    with pytest.raises(TrailNotFoundException) as err:
        call(server, "get_trail", GetTrailInput(name=missing))
    sent = RECORDER.exchanges[-1]
    assert missing in (err.value.message or ""), (
        f"SDK sent:\n{RECORDER.last()}\nserver answered (replayed): {_replay(sent)}")


def test_delete_trail(server, bucket):
    name = f"sdk312-doomed-{uuid.uuid4().hex[:8]}"
    call(server, "create_trail", CreateTrailInput(name=name, s3_bucket_name=bucket))
    assert call(server, "get_trail", GetTrailInput(name=name)).trail.name == name
    out = call(server, "delete_trail", DeleteTrailInput(name=name))
    assert RECORDER.exchanges[-1]["status"] == 200 and type(out).__name__ == "DeleteTrailOutput"
    with pytest.raises(TrailNotFoundException):
        call(server, "get_trail", GetTrailInput(name=name))
    assert name not in [t.name for t in call(server, "describe_trails", DescribeTrailsInput()).trail_list]
