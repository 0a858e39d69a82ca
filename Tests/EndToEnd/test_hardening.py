"""Issue [5]: no request crashes the server. Every input that once crashed it (raw HTTP requests
found by fuzzing mutated boto3 requests, kept in fixtures/fuzz-crashes) is replayed byte for byte
against a server with `--auth open`; each must get an answer in its protocol's error shape (or a
plain success), never a dropped connection, and the server must stay up for the next one."""
import json
import pathlib
import re
import socket
import time

import pytest

from conftest import TLS, Server

pytestmark = pytest.mark.skipif(TLS, reason="replays raw plain-HTTP bytes")

CRASHES = sorted((pathlib.Path(__file__).parent / "fixtures" / "fuzz-crashes").glob("*.bin"))


def raw_exchange(port, data, timeout=10.0):
    """Sends `data` as it is and reads one HTTP response; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in buf and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        if not head:
            return None, {}, b""
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, headers, rest


def with_content_length(data):
    """The request with its Content-Length made to match its body, so that a mutated length
    does not leave the server waiting for bytes that never come (the timeouts are tested
    separately)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"content-length:")]
    if body or b"POST" in lines[0] or b"PUT" in lines[0]:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + sep + body


@pytest.fixture(scope="module")
def open_server():
    s = Server("--in-memory", "--auth", "open")
    yield s
    s.stop()


def test_every_recorded_crash_input_is_committed():
    assert len(CRASHES) >= 31


@pytest.mark.parametrize("path", CRASHES, ids=[p.stem for p in CRASHES])
def test_crash_input_is_answered_and_server_survives(open_server, path):
    status, headers, body = raw_exchange(open_server.port, with_content_length(path.read_bytes()))
    assert open_server.proc.poll() is None, f"{path.name} crashed the server"
    assert status is not None, f"{path.name}: no answer"
    assert status != 500, f"{path.name}: {body[:300]!r}"
    if status >= 400:
        # An AWS error in the protocol's shape: a JSON __type, a Query/S3 <Code>, or CBOR.
        assert (b"__type" in body or b"<Code>" in body or headers.get("content-type", "").startswith("application/cbor")
                or headers.get("smithy-protocol") == "rpc-v2-cbor"), body[:300]
    # The next request is answered too.
    status, _, _ = raw_exchange(open_server.port, b"GET /_trailwatch/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200


def json_request(port, target, body, version="1.0"):
    data = body.encode() if isinstance(body, str) else body
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Amz-Target: {target}\r\n"
            f"Content-Type: application/x-amz-json-{version}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    return raw_exchange(port, head + data)


def form_request(port, body):
    data = body.encode()
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    return raw_exchange(port, head + data)


@pytest.mark.parametrize("start,end", [("1e30", "1796152338"), ("-1e30", "1796152338"), ("1796148738", "1e30"),
                                       ("1796148738", "-1e+20"), ("179699999999999999999999999999999", "1796152338")])
def test_unrepresentable_timestamps_are_serialization_errors(open_server, start, end):
    for op, body in [
        ("GetMetricStatistics", f'{{"Namespace":"N","MetricName":"m","StartTime":{start},"EndTime":{end},"Period":60,"Statistics":["Sum"]}}'),
        ("GetMetricData", f'{{"MetricDataQueries":[{{"Id":"a","Expression":"TIME_SERIES(1)","Period":60}}],"StartTime":{start},"EndTime":{end}}}'),
    ]:
        status, _, answer = json_request(open_server.port, f"GraniteServiceVersion20100801.{op}", body)
        assert status == 400, answer
        assert json.loads(answer)["__type"].endswith("SerializationException"), answer


def test_query_timestamp_past_year_9999_is_invalid(open_server):
    status, _, body = form_request(open_server.port, "Action=GetMetricStatistics&Version=2010-08-01&Namespace=N&MetricName=m"
                                   "&StartTime=17961487389999999999&EndTime=1796152338&Period=60&Statistics.member.1=Sum")
    assert status == 400 and b"<Code>InvalidParameterValue</Code>" in body, body


def test_query_parameter_nested_50000_deep_is_refused_not_a_stack_overflow(open_server):
    key = "MetricDataQueries" + ".member.1" * 50_000
    status, _, body = form_request(open_server.port, f"Action=GetMetricData&Version=2010-08-01&{key}=a&StartTime=1&EndTime=2")
    assert open_server.proc.poll() is None
    assert status == 400 and b"<Code>MalformedQueryString</Code>" in body, body[:300]


def test_dense_math_over_a_huge_window_is_refused_not_allocated(open_server):
    # One-second TIME_SERIES over ten years would be 315M points.
    status, _, body = json_request(open_server.port, "GraniteServiceVersion20100801.GetMetricData",
                                   '{"MetricDataQueries":[{"Id":"a","Expression":"TIME_SERIES(1)","Period":1}],'
                                   '"StartTime":1480000000,"EndTime":1795000000}')
    assert status in (200, 400), body[:300]
    if status == 200:
        result = json.loads(body)["MetricDataResults"][0]
        assert result["StatusCode"] != "Complete" or len(result["Values"]) <= 100_800
    else:
        assert b"ValidationException" in body or b"ValidationError" in body, body[:300]


@pytest.mark.parametrize("expression", ["SLICE(METRICS(), 1e30, -1e30)", "SORT(METRICS(), SUM, DESC, 1e300)",
                                        "SEARCH('{N} m', 'Sum', 1e30)"])
def test_math_arguments_past_integer_range_do_not_trap(open_server, expression):
    body = json.dumps({"MetricDataQueries": [
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
        {"Id": "e", "Expression": expression}], "StartTime": 1796148738, "EndTime": 1796152338})
    status, _, answer = json_request(open_server.port, "GraniteServiceVersion20100801.GetMetricData", body)
    assert open_server.proc.poll() is None
    assert status in (200, 400), answer[:300]


def test_expect_100_continue_is_answered_before_the_body(open_server):
    """boto3's put_object sends `Expect: 100-continue` with file bodies and waited about a second
    for an answer that never came before sending the body anyway."""
    with socket.create_connection(("127.0.0.1", open_server.port), timeout=5) as s:
        s.sendall(b"PUT /expect-bucket HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        s.recv(65536)
        body = b"hello"
        s.sendall(b"PUT /expect-bucket/k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 5\r\n\r\n")
        s.settimeout(0.5)
        interim = s.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        s.settimeout(5)
        s.sendall(body)
        final = b""
        while b"\r\n\r\n" not in final:
            final += s.recv(65536)
        assert final.startswith(b"HTTP/1.1 200"), final


@pytest.fixture(scope="module")
def strict_limits_server():
    s = Server("--in-memory", "--auth", "open", "--idle-timeout", "3", "--body-timeout", "1", "--max-connections", "8")
    yield s
    s.stop()


def closed_within(sock, seconds):
    sock.settimeout(seconds)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def test_idle_and_half_sent_connections_are_closed(strict_limits_server):
    port = strict_limits_server.port
    idle = socket.create_connection(("127.0.0.1", port))
    half_headers = socket.create_connection(("127.0.0.1", port))
    half_headers.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Targ")
    short_body = socket.create_connection(("127.0.0.1", port))
    short_body.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: GraniteServiceVersion20100801.ListDashboards\r\n"
                       b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{}")
    for s in (idle, half_headers, short_body):
        assert closed_within(s, 6), "connection still open"
        s.close()
    assert strict_limits_server.proc.poll() is None


def test_connections_past_the_limit_are_closed(strict_limits_server):
    port = strict_limits_server.port
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", port))
    assert closed_within(extra, 1.5)
    for s in held:
        s.close()
    extra.close()
    time.sleep(0.2)
    status, _, _ = raw_exchange(port, b"GET /_trailwatch/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200


@pytest.mark.parametrize("headers", [
    b"X-Big: " + b"a" * 100_000 + b"\r\n",
    b"".join(b"X-H%d: v\r\n" % i for i in range(2000)),
])
def test_oversized_headers_are_refused_and_the_server_stays_up(open_server, headers):
    with socket.create_connection(("127.0.0.1", open_server.port), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"Content-Length: 0\r\n\r\n")
        answer = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:200]
    status, _, _ = raw_exchange(open_server.port, b"GET /_trailwatch/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and open_server.proc.poll() is None
