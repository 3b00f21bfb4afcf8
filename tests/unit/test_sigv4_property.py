"""Property: for random DynamoDB requests our signatures equal botocore's SigV4Auth.

Both the general signer (with random extra headers) and the DynamoDB fast path (the fixed
header set) are compared with `botocore.auth.SigV4Auth.add_auth` on an `AWSRequest`, with
botocore's clock pinned to the same random instant.
"""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from ddbtui.dynamo.sigv4 import DynamoDBSigner, SigV4Signer, host_from_url

OPERATIONS = ["PutItem", "GetItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "Query",
              "Scan", "TransactWriteItems", "DescribeTable", "CreateTable", "ListTables"]
RESERVED = {"host", "x-amz-date", "authorization", "x-amz-security-token", "content-type",
            "x-amz-target", "date", "x-amz-content-sha256", "content-length"}

regions = st.sampled_from(["us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "local"])
hosts = st.one_of(
    st.sampled_from(["127.0.0.1", "localhost", "dynamodb.us-east-1.amazonaws.com",
                     "DynamoDB.EU-West-1.AmazonAWS.com", "[::1]"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True),
)
ports = st.one_of(st.none(), st.sampled_from([80, 443, 8000]), st.integers(1, 65535))
json_scalars = st.one_of(
    st.text(max_size=30),
    st.booleans(), st.none(),
    st.integers(-10**40, 10**40).map(str),
)
attr_values = st.one_of(
    json_scalars.map(lambda v: {"S": v} if isinstance(v, str) else {"BOOL": bool(v)}),
    st.integers(-10**38, 10**38).map(lambda n: {"N": str(n)}),
    st.lists(st.text(max_size=8), max_size=4).map(lambda xs: {"L": [{"S": x} for x in xs]}),
)
items = st.dictionaries(st.text(min_size=1, max_size=12), attr_values, max_size=6)
header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True).filter(
    lambda n: n.lower() not in RESERVED)
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
extra_headers = st.dictionaries(header_names, header_values, max_size=5).map(
    lambda d: {k: v for k, v in {k.lower(): (k, v) for k, v in d.items()}.values()})
tokens = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9+/]{16,300}={0,2}", fullmatch=True))
access_keys = st.from_regex(r"(AKIA|ASIA)[A-Z0-9]{16}", fullmatch=True)
secret_keys = st.from_regex(r"[A-Za-z0-9/+]{40}", fullmatch=True)
instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31))


def botocore_sign(url, region, headers, body, creds, when):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(*creds), "dynamodb", region).add_auth(req)
    return req.headers


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https"]), host=hosts, port=ports, region=regions,
       op=st.sampled_from(OPERATIONS), table=st.from_regex(r"[A-Za-z0-9_.-]{3,20}", fullmatch=True),
       item=items, ascii_json=st.booleans(), extra=extra_headers, user_agent=st.booleans(),
       access=access_keys, secret=secret_keys, token=tokens, when=instants)
def test_signature_equals_botocore(scheme, host, port, region, op, table, item, ascii_json,
                                   extra, user_agent, access, secret, token, when):
    when = when.replace(microsecond=0)
    endpoint = f"{scheme}://{host}" + (f":{port}" if port is not None else "")
    url = endpoint + "/"
    body = json.dumps({"TableName": table, "Item": item}, separators=(",", ":"),
                      ensure_ascii=ascii_json).encode("utf-8")
    creds = (access, secret, token)
    ts = when.strftime("%Y%m%dT%H%M%SZ")
    base = {"Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{op}"}

    # fast path, fixed header set
    want = botocore_sign(url, region, base, body, creds, when)
    fast = DynamoDBSigner(region, endpoint)
    got = fast.headers(op, body, creds, timestamp=ts)
    assert got["Authorization"] == want["Authorization"]
    assert got["X-Amz-Date"] == want["X-Amz-Date"] == ts
    assert got.get("X-Amz-Security-Token") == want.get("X-Amz-Security-Token")
    assert fast.host == host_from_url(url)
    # a second request through the cached state signs the same
    assert fast.headers(op, body, creds, timestamp=ts) == got

    # general signer, with extra (and unsignable) headers
    headers = {**base, **extra}
    if user_agent:
        headers["User-Agent"] = "ddbtui/0.1 botocore-test"
    want = botocore_sign(url, region, headers, body, creds, when)
    got = SigV4Signer(region, "dynamodb").sign("POST", url, headers, body, credentials=creds,
                                               timestamp=ts)
    assert got["Authorization"] == want["Authorization"]
    assert got["X-Amz-Date"] == want["X-Amz-Date"]


def test_fast_path_keeps_an_endpoint_path_prefix():
    when = dt.datetime(2026, 3, 1, 12, 0, 0)
    creds = ("AKIDEXAMPLE", "secret", None)
    body = b'{"TableName":"t"}'
    base = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Scan"}
    want = botocore_sign("http://127.0.0.1:9000/ddb/", "us-east-1", base, body, creds, when)
    got = DynamoDBSigner("us-east-1", "http://127.0.0.1:9000/ddb").headers(
        "Scan", body, creds, timestamp="20260301T120000Z")
    assert got["Authorization"] == want["Authorization"]


@settings(max_examples=50, deadline=None)
@given(region=regions, op=st.sampled_from(OPERATIONS), item=items, token=tokens,
       when=instants)
def test_fast_path_clock_and_refreshable_credentials(region, op, item, token, when):
    """The fast path's own clock and a botocore Credentials object give the same result."""
    from botocore.credentials import Credentials

    when = when.replace(microsecond=0)
    epoch = when.replace(tzinfo=dt.timezone.utc).timestamp()
    body = json.dumps({"TableName": "wallet", "Item": item}, separators=(",", ":")).encode()
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    fast = DynamoDBSigner(region, None, clock=lambda: epoch + 0.75)
    got = fast.headers(op, body, creds)
    url = f"https://dynamodb.{region}.amazonaws.com/"
    want = botocore_sign(url, region, {"Content-Type": "application/x-amz-json-1.0",
                                       "X-Amz-Target": f"DynamoDB_20120810.{op}"},
                         body, ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), when)
    assert got["Authorization"] == want["Authorization"]
