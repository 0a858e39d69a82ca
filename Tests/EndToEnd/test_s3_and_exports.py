"""The S3 subset (path-style REST XML) through boto3 and `aws s3`, and CloudWatch Logs export
tasks writing into it."""
import gzip
import time
import uuid

import pytest
from botocore.exceptions import ClientError


def bucket_name():
    return f"tw-{uuid.uuid4().hex[:12]}"


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"].get("Message")


def test_buckets_and_objects_with_boto3(server):
    s3 = server.client("s3")
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    assert b in [x["Name"] for x in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket=b)
    put = s3.put_object(Bucket=b, Key="a/b c.txt", Body=b"hello", ContentType="text/plain", Metadata={"k": "v"})
    assert put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'  # MD5 of "hello"
    got = s3.get_object(Bucket=b, Key="a/b c.txt")
    assert got["Body"].read() == b"hello"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"k": "v"}
    assert s3.head_object(Bucket=b, Key="a/b c.txt")["ContentLength"] == 5
    for k in ["a/x", "a/y/1", "a/y/2", "b"]:
        s3.put_object(Bucket=b, Key=k, Body=b"1")
    listed = s3.list_objects_v2(Bucket=b, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["a/b c.txt", "a/x"]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["a/y/"]
    page = s3.list_objects_v2(Bucket=b, MaxKeys=2)
    assert page["IsTruncated"] and page["KeyCount"] == 2
    rest = s3.list_objects_v2(Bucket=b, ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in page["Contents"] + rest["Contents"]] == ["a/b c.txt", "a/x", "a/y/1", "a/y/2", "b"]
    assert error_of(lambda: s3.delete_bucket(Bucket=b))[0] == "BucketNotEmpty"
    assert error_of(lambda: s3.get_object(Bucket=b, Key="missing")) == ("NoSuchKey", "The specified key does not exist.")
    assert error_of(lambda: s3.head_object(Bucket=b, Key="missing"))[0] == "404"
    for k in ["a/b c.txt", "a/x", "a/y/1", "a/y/2", "b"]:
        s3.delete_object(Bucket=b, Key=k)
    s3.delete_bucket(Bucket=b)
    assert error_of(lambda: s3.list_objects_v2(Bucket=b)) == ("NoSuchBucket", "The specified bucket does not exist")
    assert error_of(lambda: s3.create_bucket(Bucket="Bad_Name"))[0] == "InvalidBucketName"


def test_aws_s3_cli(server, tmp_path):
    b = bucket_name()
    server.cli("s3", "mb", f"s3://{b}")
    src = tmp_path / "f.txt"
    src.write_text("line\n" * 100)
    server.cli("s3", "cp", str(src), f"s3://{b}/dir/f.txt")
    out = server.cli("s3", "ls", f"s3://{b}/dir/").stdout
    assert "f.txt" in out and " 500 " in out
    server.cli("s3", "cp", f"s3://{b}/dir/f.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == src.read_text()
    assert b in server.cli("s3", "ls").stdout


def test_export_task_writes_gzipped_events_into_the_bucket(server):
    logs, s3 = server.client("logs"), server.client("s3")
    group, b = f"/export/{uuid.uuid4().hex[:8]}", bucket_name()
    s3.create_bucket(Bucket=b)
    logs.create_log_group(logGroupName=group)
    now = int(time.time() * 1000)
    for stream in ["s1", "s2"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now - 1000 + i, "message": f"{stream} event {i}"} for i in range(5)])
    code, message = error_of(lambda: logs.create_export_task(logGroupName=group, fromTime=now - 60000, to=now, destination="no-such-bucket-tw"))
    assert code == "InvalidParameterException"
    task = logs.create_export_task(taskName="t", logGroupName=group, fromTime=now - 60000, to=now + 1000, destination=b,
                                   destinationPrefix="exp")["taskId"]
    for _ in range(100):
        status = logs.describe_export_tasks(taskId=task)["exportTasks"][0]["status"]["code"]
        if status == "COMPLETED":
            break
        time.sleep(0.05)
    assert status == "COMPLETED"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix="exp/")["Contents"])
    assert keys == sorted(["exp/aws-logs-write-test", f"exp/{task}/s1/000000.gz", f"exp/{task}/s2/000000.gz"])
    lines = gzip.decompress(s3.get_object(Bucket=b, Key=f"exp/{task}/s1/000000.gz")["Body"].read()).decode().splitlines()
    assert [l.split(" ", 1)[1] for l in lines] == [f"s1 event {i}" for i in range(5)]
    assert lines[0].split(" ", 1)[0].endswith("Z")
    code, _ = error_of(lambda: logs.cancel_export_task(taskId=task))
    assert code == "InvalidOperationException"
