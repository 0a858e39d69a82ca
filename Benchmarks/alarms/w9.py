#!/usr/bin/env python3
"""W9 (../shared/BENCHMARKS.md): 10,000 alarms, half at 60 s and half at 10 s periods, over
10,000 series receiving data; every evaluation round inside its interval, <= 10 % of one core,
breach -> webhook <= 2 s after the round that sees it.

Drives one server (Trailwatch or moto_server) with boto3, with its process id for CPU figures:

    python3 Benchmarks/alarms/w9.py --endpoint http://127.0.0.1:PORT --pid PID --name trailwatch

Phases, each printed as one line:
  ingest   10,000 series get one datum each every 10 s (high-resolution for the 10 s alarms);
           the server's CPU with no alarms is the baseline.
  create   PutMetricAlarm x N (threshold 50, data at 10): requests/s.
  settle   until every alarm has left INSUFFICIENT_DATA (the first rounds move all to OK).
  steady   --observe seconds with data flowing: server CPU (% of one core) minus nothing, and
           every `cloudwatch.alarms` round's duration from /_trailwatch/stats (Trailwatch only).
  breach   a 10 s alarm's and a 60 s alarm's series jump to 100: the time from the alarm's
           StateChangeTime (the round that saw it) to the webhook receiving its SNS message.
"""
import argparse, datetime, http.server, json, os, queue, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def webhook():
    received = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((time.time(), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/w9", received, httpd


class Feed(threading.Thread):
    """One datum per series every 10 s, at `value` unless overridden per host."""

    def __init__(self, cw, series, chunk):
        super().__init__(daemon=True)
        self.cw, self.series, self.chunk, self.override, self.stop = cw, series, chunk, {}, threading.Event()

    def push(self):
        for lo in range(0, self.series, self.chunk):
            data = [{"MetricName": "load", "Dimensions": [{"Name": "Host", "Value": f"h{i}"}],
                     "Value": self.override.get(i, 10.0), "Unit": "Percent",
                     "StorageResolution": 1 if i % 2 == 0 else 60} for i in range(lo, min(lo + self.chunk, self.series))]
            self.cw.put_metric_data(Namespace="Bench/W9", MetricData=data)

    def run(self):
        while not self.stop.is_set():
            started = time.time()
            self.push()
            self.stop.wait(max(0.0, 10 - (time.time() - started)))


def job_stats(endpoint, token):
    if not token:
        return None
    req = urllib.request.Request(f"{endpoint}/_trailwatch/stats", headers={"x-trailwatch-operator-token": token})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            s = json.loads(r.read())
    except OSError:
        return None
    return s.get("job.cloudwatch.alarms.runs"), s.get("job.cloudwatch.alarms.lastMicros"), s.get("job.cloudwatch.alarms.maxMicros")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--name", default="trailwatch")
    p.add_argument("--alarms", type=int, default=10_000)
    p.add_argument("--observe", type=float, default=120)
    p.add_argument("--breach-wait", type=float, default=90)
    p.add_argument("--chunk", type=int, default=1000, help="datums per PutMetricData (AWS allows 1,000)")
    a = p.parse_args()
    token = os.environ.get("TRAILWATCH_OPERATOR_TOKEN")
    cfg = Config(retries={"max_attempts": 2}, max_pool_connections=8)
    kw = dict(endpoint_url=a.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test", config=cfg)
    cw, sns = boto3.client("cloudwatch", **kw), boto3.client("sns", **kw)
    tag = f"target={a.name} alarms={a.alarms}"

    url, received, httpd = webhook()
    topic = sns.create_topic(Name="w9")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=url)
    try:
        _, msg = received.get(timeout=10)
        if msg.get("Type") == "SubscriptionConfirmation":
            urllib.request.urlopen(msg["SubscribeURL"], timeout=10).read()
    except queue.Empty:
        pass  # moto confirms HTTP subscriptions without a request

    feed = Feed(cw, a.alarms, a.chunk)
    feed.push()
    feed.start()
    cpu0, t0 = cpu_seconds(a.pid), time.time()
    time.sleep(30)
    print(f"W9-ingest {tag} series={a.alarms} cpu_pct={100 * (cpu_seconds(a.pid) - cpu0) / (time.time() - t0):.1f}", flush=True)

    def put(i):
        cw.put_metric_alarm(AlarmName=f"w9-{i}", Namespace="Bench/W9", MetricName="load",
                            Dimensions=[{"Name": "Host", "Value": f"h{i}"}], Statistic="Average",
                            Period=10 if i % 2 == 0 else 60, EvaluationPeriods=1, Threshold=50,
                            ComparisonOperator="GreaterThanThreshold", TreatMissingData="missing", AlarmActions=[topic])
    t0 = time.time()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, range(a.alarms)))
    took = time.time() - t0
    print(f"W9-create {tag} seconds={took:.1f} req/s={a.alarms / took:.0f}", flush=True)

    def count(state):
        n = 0
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix="w9-", StateValue=state):
            n += len(page["MetricAlarms"])
        return n
    t0 = time.time()
    left = a.alarms
    while time.time() - t0 < 150:
        left = count("INSUFFICIENT_DATA")
        if left == 0:
            break
        time.sleep(5)
    print(f"W9-settle {tag} seconds={time.time() - t0:.0f} still_insufficient={left} ok={count('OK')}", flush=True)

    rounds, last = [], job_stats(a.endpoint, token)
    cpu0, t0 = cpu_seconds(a.pid), time.time()
    while time.time() - t0 < a.observe:
        time.sleep(0.5)
        s = job_stats(a.endpoint, token)
        if s and last and s[0] and s[0] != last[0]:
            rounds.append(s[1] / 1e6)
        last = s
    cpu = 100 * (cpu_seconds(a.pid) - cpu0) / (time.time() - t0)
    line = f"W9-steady {tag} seconds={a.observe:.0f} cpu_pct={cpu:.1f}"
    if rounds:
        srt = sorted(rounds)
        line += f" rounds={len(rounds)} round_p50_s={srt[len(srt) // 2]:.3f} round_max_s={srt[-1]:.3f}"
    if last and last[2]:
        line += f" longest_round_since_start_s={last[2] / 1e6:.3f}"
    print(line, flush=True)

    while not received.empty():
        received.get()
    feed.override = {0: 100.0, 1: 100.0}
    t_breach = time.time()
    feed.push()
    delays, fired = [], set()
    while time.time() - t_breach < a.breach_wait and len(fired) < 2:
        try:
            at, note = received.get(timeout=1)
        except queue.Empty:
            continue
        msg = json.loads(note.get("Message", "{}"))
        if msg.get("NewStateValue") == "ALARM" and msg.get("AlarmName") in ("w9-0", "w9-1"):
            changed = datetime.datetime.strptime(msg["StateChangeTime"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
            fired.add(msg["AlarmName"])
            delays.append(f"{msg['AlarmName']}:{at - changed:.3f}s")
    states = {x["AlarmName"]: x["StateValue"] for x in cw.describe_alarms(AlarmNames=["w9-0", "w9-1"])["MetricAlarms"]}
    print(f"W9-breach {tag} fired={len(fired)}/2 state_change_to_webhook={','.join(delays) or '-'} "
          f"states={states.get('w9-0')},{states.get('w9-1')} waited_s={time.time() - t_breach:.0f}", flush=True)
    feed.stop.set()
    httpd.shutdown()


if __name__ == "__main__":
    main()
