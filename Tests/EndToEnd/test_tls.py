"""Issue [5]: HTTPS on the same port (--tls-cert/--tls-key), and CloudTrail's tlsDetails for the
calls that came over it. The whole suite also runs over HTTPS (TRAILWATCH_TEST_TLS=1, see
scripts/test); this file checks what only TLS has."""
import json
import ssl
import time
import urllib.request

import pytest

from conftest import Server, tls_files


@pytest.fixture(scope="module")
def https_server():
    _, cert, key = tls_files()
    s = Server("--in-memory", "--tls-cert", cert, "--tls-key", key)
    yield s
    s.stop()


def test_boto3_trusts_the_test_ca_and_calls_are_recorded_with_tls_details(https_server):
    assert https_server.endpoint.startswith("https://")
    ca = tls_files()[0]
    cw = https_server.client("cloudwatch", verify=ca)
    cw.put_dashboard(DashboardName="tls", DashboardBody='{"widgets":[]}')
    ct = https_server.client("cloudtrail", verify=ca)
    deadline = time.time() + 10
    events = []
    while time.time() < deadline and not events:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutDashboard"}])["Events"]
        time.sleep(0.2)
    assert events, "LookupEvents found no PutDashboard over HTTPS"
    record = json.loads(events[0]["CloudTrailEvent"])
    tls = record["tlsDetails"]
    assert tls["tlsVersion"] == "TLSv1.2"
    assert tls["cipherSuite"] == "ECDHE-RSA-AES128-GCM-SHA256"
    assert tls["clientProvidedHostHeader"] == https_server.endpoint.removeprefix("https://")


def test_a_client_that_does_not_trust_the_ca_is_refused(https_server):
    with pytest.raises(urllib.error.URLError) as e:
        urllib.request.urlopen(https_server.endpoint + "/_trailwatch/health", timeout=5,
                               context=ssl.create_default_context())
    assert isinstance(e.value.reason, ssl.SSLError)


def test_plain_http_calls_have_no_tls_details(server):
    if server.endpoint.startswith("https://"):
        pytest.skip("the suite runs over HTTPS")
    server.client("cloudwatch").put_dashboard(DashboardName="plain", DashboardBody='{"widgets":[]}')
    ct = server.client("cloudtrail")
    deadline = time.time() + 10
    events = []
    while time.time() < deadline and not events:
        events = [e for e in ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "plain"}])["Events"]]
        time.sleep(0.2)
    assert events and "tlsDetails" not in json.loads(events[0]["CloudTrailEvent"])
