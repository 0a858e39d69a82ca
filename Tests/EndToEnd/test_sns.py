"""The SNS subset: topics, an HTTP subscription confirmed through its SubscribeURL, Publish in
SNS's JSON message format, and CloudTrail's delivery notifications."""
import http.server
import json
import queue
import threading
import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def endpoint():
    """A loopback HTTP endpoint collecting what SNS POSTs to it."""
    received = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", received
    httpd.shutdown()


def confirmed_subscription(sns, topic, url, received):
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=url)["SubscriptionArn"] == "pending confirmation"
    headers, msg = received.get(timeout=10)
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert msg["Type"] == "SubscriptionConfirmation" and msg["TopicArn"] == topic and msg["Token"]
    with urllib.request.urlopen(msg["SubscribeURL"], timeout=10) as r:  # unsigned, as an endpoint visits it
        assert r.status == 200
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subs[0]["SubscriptionArn"].startswith(topic + ":") and subs[0]["Endpoint"] == url
    return subs[0]["SubscriptionArn"]


def test_topics_subscription_handshake_and_publish(server, endpoint):
    url, received = endpoint
    sns = server.client("sns")
    name = f"t-{uuid.uuid4().hex[:8]}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name)["TopicArn"] == topic  # idempotent
    assert {"TopicArn": topic} in sns.list_topics()["Topics"]
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name="bad name!")
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    sub = confirmed_subscription(sns, topic, url, received)
    message_id = sns.publish(TopicArn=topic, Subject="hello", Message="the body")["MessageId"]
    headers, msg = received.get(timeout=10)
    assert headers["x-amz-sns-message-type"] == "Notification" and headers["x-amz-sns-subscription-arn"] == sub
    assert (msg["Type"], msg["MessageId"], msg["Subject"], msg["Message"], msg["TopicArn"]) == ("Notification", message_id, "hello", "the body", topic)
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub]
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    sns.delete_topic(TopicArn=topic)
    assert {"TopicArn": topic} not in sns.list_topics()["Topics"]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="x")
    assert e.value.response["Error"]["Code"] == "NotFound"


def test_trail_delivery_notifies_its_topic(make_server, endpoint):
    url, received = endpoint
    s = make_server("--in-memory", "--trail-delivery-interval", "1")
    sns, s3, ct = s.client("sns"), s.client("s3"), s.client("cloudtrail")
    topic = sns.create_topic(Name="trail-notes")["TopicArn"]
    confirmed_subscription(sns, topic, url, received)
    s3.create_bucket(Bucket="trail-notes-bucket")
    ct.create_trail(Name="noted", S3BucketName="trail-notes-bucket", SnsTopicName="trail-notes")
    ct.start_logging(Name="noted")
    ct.describe_trails()
    headers, msg = received.get(timeout=15)
    note = json.loads(msg["Message"])
    assert note["s3Bucket"] == "trail-notes-bucket" and note["s3ObjectKey"][0].startswith("AWSLogs/000000000000/CloudTrail/")
