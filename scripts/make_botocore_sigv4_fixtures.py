#!/usr/bin/env python3
"""Write Tests/AWSWireTests/Fixtures/botocore-signed.json: requests signed by botocore's own
SigV4 signer (JSON 1.0/1.1, Query, RPCv2 CBOR, S3 paths and a presigned URL), which the Swift
SigV4 verifier must accept. Re-run only when adding cases; the output is committed."""
import json
import os
import re
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials("AKIDTRAILWATCH", "secret/with+chars=")


def sign(auth_cls, service, method, url, headers, body=b"", **kw):
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    auth_cls(CREDS, service, "eu-west-1", **kw).add_auth(req)
    prepared = req.prepare()
    parts = urlsplit(prepared.url)
    sent = [[k, v if isinstance(v, str) else v.decode()] for k, v in prepared.headers.items()]
    # The HTTP layer adds Host from the URL, as every client does.
    sent.append(["Host", parts.netloc])
    return {
        "method": method,
        "rawPath": parts.path or "/",
        "rawQuery": parts.query,
        "headers": sent,
        "bodyHex": (prepared.body or b"").hex() if isinstance(prepared.body or b"", bytes) else prepared.body.encode().hex(),
        "secret": CREDS.secret_key,
        "service": service,
    }


cases = {
    "json10-cloudwatch": sign(SigV4Auth, "monitoring", "POST", "http://127.0.0.1:4566/",
                              {"Content-Type": "application/x-amz-json-1.0",
                               "X-Amz-Target": "GraniteServiceVersion20100801.ListDashboards",
                               "x-amzn-query-mode": "true"}, b"{}"),
    "json11-logs": sign(SigV4Auth, "logs", "POST", "http://127.0.0.1:4566/",
                        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogGroups"},
                        b'{"logGroupNamePrefix": "a b"}'),
    "query-sts": sign(SigV4Auth, "sts", "POST", "http://localhost:4566/",
                      {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                      b"Action=GetCallerIdentity&Version=2011-06-15"),
    "cbor-cloudwatch": sign(SigV4Auth, "monitoring", "POST",
                            "http://127.0.0.1:4566/service/GraniteServiceVersion20100801/operation/ListDashboards",
                            {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"},
                            bytes([0xA0])),
    "s3-get-encoded-key": sign(S3SigV4Auth, "s3", "GET",
                               "http://127.0.0.1:4566/bucket/AWSLogs/a%20b/c%2Bd.json.gz?list-type=2&prefix=a%2Fb",
                               {}, b""),
    "sts-presigned": sign(SigV4QueryAuth, "sts", "GET",
                          "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15", {}, b"", expires=900),
    "s3-presigned": sign(S3SigV4QueryAuth, "s3", "GET", "http://127.0.0.1:4566/bucket/key.txt", {}, b"", expires=3600),
}
for c in cases.values():
    # The verifier's clock is set to the moment botocore signed.
    text = " ".join(v for _, v in c["headers"]) + " " + c["rawQuery"]
    c["now"] = re.search(r"(\d{8}T\d{6}Z)", text).group(1)

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "AWSWireTests", "Fixtures", "botocore-signed.json")
with open(out, "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)
print("wrote", len(cases), "cases to", os.path.normpath(out))
