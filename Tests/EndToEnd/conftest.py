"""End-to-end fixtures: start the real `trailwatch` binary on a free loopback port and talk to
it with real clients (boto3, the AWS CLI), over every CloudWatch protocol.

Set TRAILWATCH_BIN to test another build (default: .build/debug/trailwatch)."""
import copy
import gzip
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
# TRAILWATCH_TEST_TLS=1 runs the suite over HTTPS: every server gets a certificate signed by a
# test CA, and every client (boto3, the AWS CLI, urllib) trusts only that CA.
TLS = os.environ.get("TRAILWATCH_TEST_TLS") == "1"
BIN = pathlib.Path(os.environ.get("TRAILWATCH_BIN", ROOT / ".build" / "debug" / "trailwatch"))
REGION = "us-east-1"
CLOUDWATCH_PROTOCOLS = ["json", "query", "smithy-rpc-v2-cbor"]


_TLS_FILES = {}


def tls_files():
    """(ca, cert, key): a throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    if _TLS_FILES:
        return _TLS_FILES["ca"], _TLS_FILES["cert"], _TLS_FILES["key"]
    import tempfile
    d = pathlib.Path(tempfile.mkdtemp(prefix="trailwatch-tls-"))
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Trailwatch test CA",
        "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(d / "server.key"),
        "-out", str(d / "server.csr"))
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", str(d / "ext.cnf"), "-out", str(d / "server.pem"))
    _TLS_FILES.update(ca=str(d / "ca.pem"), cert=str(d / "server.pem"), key=str(d / "server.key"))
    return tls_files()


if TLS:
    import ssl
    _ca = tls_files()[0]
    ssl._create_default_https_context = lambda: ssl.create_default_context(cafile=_ca)
    # Clients the tests or the CLI make themselves (validate-logs' S3 clients) trust it too.
    os.environ["AWS_CA_BUNDLE"] = _ca


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `trailwatch serve` process on 127.0.0.1, stopped by `stop()`."""

    def __init__(self, *args, env=None, port=None):
        if not BIN.exists():
            raise RuntimeError(f"{BIN} does not exist: run `swift build` first")
        self.port = port or free_port()
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        if TLS and "--tls-cert" not in args:
            _, cert, key = tls_files()
            self.args += ["--tls-cert", cert, "--tls-key", key]
        scheme = "https" if "--tls-cert" in self.args else "http"
        self.env = dict(os.environ, **(env or {}))
        self.endpoint = f"{scheme}://127.0.0.1:{self.port}"
        self.log = open(os.devnull, "w") if os.environ.get("TRAILWATCH_QUIET") else None
        self.proc = subprocess.Popen([str(BIN), *self.args], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.output = []
        self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("trailwatch exited: " + self.proc.stdout.read())
            try:
                with urllib.request.urlopen(self.endpoint + "/_trailwatch/health", timeout=1, context=self.ssl_context()) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise RuntimeError("trailwatch did not become healthy")

    def ssl_context(self):
        """A context trusting the test CA for an HTTPS server, else None."""
        if not self.endpoint.startswith("https://"):
            return None
        import ssl
        return ssl.create_default_context(cafile=tls_files()[0])

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.proc.stdout.read() if self.proc.stdout else ""
        self.output.append(out)
        return self.proc.returncode

    def post(self, path, body=b"", headers=None):
        req = urllib.request.Request(self.endpoint + path, data=body, headers=headers or {}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl_context()) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def client(self, service, protocol=None, key="test", secret="test", region=REGION, retries=0, config=None, **kw):
        session = botocore.session.get_session()
        if protocol:
            session.get_component("data_loader").search_paths.insert(0, str(model_override(protocol)))
        base = Config(retries={"max_attempts": retries, "mode": "standard"} if retries else {"total_max_attempts": 1})
        if TLS:
            kw.setdefault("verify", tls_files()[0])
        return boto3.Session(botocore_session=session).client(
            service, endpoint_url=self.endpoint, region_name=region, aws_access_key_id=key,
            aws_secret_access_key=secret, config=base.merge(config) if config else base, **kw)

    def cli(self, *args, env=None, check=True):
        e = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
                 AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, **(env or {}))
        tls = ["--ca-bundle", tls_files()[0]] if TLS else []
        p = subprocess.run(["aws", "--endpoint-url", self.endpoint, *tls, *args], env=e, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p


_OVERRIDES = {}


def model_override(protocol, service="cloudwatch", version="2010-08-01"):
    """A data folder whose copy of the service model lists only `protocol`, so botocore (and the
    AWS CLI via AWS_DATA_PATH) speaks it (DESIGN.md, "Wire protocols")."""
    key = (protocol, service)
    if key in _OVERRIDES:
        return _OVERRIDES[key]
    loader = botocore.session.get_session().get_component("data_loader")
    model = copy.deepcopy(loader.load_service_model(service, "service-2", version))
    model["metadata"]["protocols"] = [protocol]
    model["metadata"]["protocol"] = protocol
    base = pathlib.Path(os.environ.get("PYTEST_TMP", "/tmp")) / f"trailwatch-models-{os.getpid()}" / protocol
    target = base / service / version
    target.mkdir(parents=True, exist_ok=True)
    (target / "service-2.json").write_text(json.dumps(model))
    _OVERRIDES[key] = base
    return base


@pytest.fixture(scope="session")
def server():
    s = Server("--in-memory")
    yield s
    s.stop()


@pytest.fixture
def make_server():
    started = []

    def start(*args, **kw):
        s = Server(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop(signal.SIGKILL)


def kill_during(server, writer, stop, writers=4, seconds=2.0):
    """Runs `writer(w)` on `writers` threads, kills the server with SIGKILL after `seconds`, then
    sets `stop` and waits for the writers (crash tests)."""
    import threading
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for th in threads:
        th.start()
    time.sleep(seconds)
    server.stop(signal.SIGKILL)
    stop.set()
    for th in threads:
        th.join()


def wire_log(client):
    """Records the requests `client` sends (method, url, headers, body)."""
    sent = []
    client.meta.events.register("before-send", lambda request, **_: sent.append(request))
    return sent
