#!/usr/bin/env python3
"""W4 (../shared/BENCHMARKS.md): Logs Insights over many events, against grep and ripgrep over
the same raw lines in the same run.

    python3 Benchmarks/insights/w4.py --endpoint http://127.0.0.1:PORT --pid PID --events 1000000

Phases, each printed as one line:
  seal     POST /_trailwatch/maintenance (with TRAILWATCH_OPERATOR_TOKEN): every block sealed
           before the queries, as in a settled store.
  ingest   --events JSON lines (about 200 bytes each; 2 % with status 500, one in 1,000,000 with a
           rare token) through PutLogEvents, 4 streams on 4 threads; the same lines go to a file.
  grep     `grep -c` and `rg -c` (when installed) of the rare token and of `"status":500` over
           that file: seconds and GB/s, the ceiling of a raw scan on this machine.
  query    the three W4 queries, each StartQuery to Complete: seconds, raw GB/s, and GB per
           second of the server's CPU time (utime + stime of --pid), with the query's statistics.
"""
import argparse, os, random, shutil, subprocess, tempfile, threading, time, urllib.request

import boto3
from botocore.config import Config

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
TICK = os.sysconf("SC_CLK_TCK")
RARE = "zq7rare"
QUERIES = [
    ("status-by-path", "filter status = 500 | stats count(*) by path"),
    ("p99-by-minute", "stats pct(latency, 99) by bin(1m)"),
    ("rare-term", f"filter @message like /{RARE}/ | fields @timestamp, @message"),
]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def line(rng, k):
    status = 500 if rng.random() < 0.02 else 200
    rare = f" {RARE}" if k % 1_000_000 == 500_000 else ""
    return (f'{{"status":{status},"path":"/api/v1/items/{k % 50}","latency":{rng.randint(1, 2000)},'
            f'"host":"h{k % 20}","request":"{rng.getrandbits(64):016x}","msg":"handled request{rare} '
            + "y" * 60 + '"}')


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--name", default="trailwatch")
    p.add_argument("--events", type=int, default=1_000_000)
    a = p.parse_args()
    cfg = Config(retries={"max_attempts": 2}, max_pool_connections=8, read_timeout=600)
    logs = boto3.client("logs", endpoint_url=a.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=cfg)
    group = f"/bench/w4-{random.getrandbits(32):08x}"
    logs.create_log_group(logGroupName=group)
    threads, per = 4, a.events // 4
    now = int(time.time() * 1000)
    # The events span the last 20 minutes, oldest first in every stream.
    span = 20 * 60_000
    raw = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    lock = threading.Lock()
    total_bytes = [0]

    def feed(t):
        rng = random.Random(t)
        stream = f"s{t}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        for start in range(0, per, 4000):
            batch = [line(rng, t * per + k) for k in range(start, min(per, start + 4000))]
            ts = [now - span + (start + i) * span // per for i in range(len(batch))]
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": x, "message": m} for x, m in zip(ts, batch)])
            with lock:
                raw.write("\n".join(batch) + "\n")
                total_bytes[0] += sum(len(m) for m in batch)

    t0 = time.time()
    workers = [threading.Thread(target=feed, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    raw.close()
    ingest = time.time() - t0
    gb = total_bytes[0] / 1e9
    print(f"w4-ingest target={a.name} events={per * threads} raw_GB={gb:.3f} seconds={ingest:.1f} events/s={per * threads / ingest:.0f}")

    # Seal everything first (when the operator token is known), so the queries scan the
    # compressed blocks a settled store holds and no sealing competes with them for the CPU.
    token = os.environ.get("TRAILWATCH_OPERATOR_TOKEN")
    if token:
        t0 = time.time()
        req = urllib.request.Request(f"{a.endpoint}/_trailwatch/maintenance", data=b"", method="POST",
                                     headers={"x-trailwatch-operator-token": token})
        urllib.request.urlopen(req, timeout=600).read()
        print(f"w4-seal target={a.name} seconds={time.time() - t0:.1f}")

    for tool in ("grep", "rg"):
        if not shutil.which(tool):
            print(f"w4-{tool} not installed")
            continue
        for label, pattern in (("rare-term", RARE), ("status-500", '"status":500')):
            t0 = time.time()
            out = subprocess.run([tool, "-c", "-F", pattern, raw.name], capture_output=True, text=True)
            dt = time.time() - t0
            print(f"w4-{tool} pattern={label} matches={out.stdout.strip()} seconds={dt:.3f} GB/s={gb / dt:.2f}")
    os.unlink(raw.name)

    for label, q in QUERIES:
        cpu0, t0 = cpu_seconds(a.pid), time.time()
        qid = logs.start_query(logGroupName=group, startTime=(now - span) // 1000 - 60, endTime=now // 1000 + 60,
                               queryString=q, limit=10_000)["queryId"]
        while True:
            out = logs.get_query_results(queryId=qid)
            if out["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(0.02)
        dt, cpu = time.time() - t0, cpu_seconds(a.pid) - cpu0
        s = out["statistics"]
        print(f"w4-query target={a.name} query={label} status={out['status']} rows={len(out['results'])} seconds={dt:.2f} "
              f"raw_GB/s={gb / dt:.3f} GB_per_cpu_s={gb / max(cpu, 1e-9):.3f} cpu_s={cpu:.2f} "
              f"scanned={s['recordsScanned']:.0f} matched={s['recordsMatched']:.0f} bytesScanned={s['bytesScanned']:.0f}")
    logs.delete_log_group(logGroupName=group)


if __name__ == "__main__":
    main()
