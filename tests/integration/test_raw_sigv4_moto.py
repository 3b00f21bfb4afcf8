"""moto verifying SigV4: our signatures are accepted, tampered requests are rejected.

moto checks signatures only when started with INITIAL_NO_AUTH_ACTION_COUNT: the first N
actions go unauthenticated (used here to create an IAM user, its policy and access key
with boto3's IAM client against the same server), every later one is verified by
recomputing the signature with the stored secret.
"""

from __future__ import annotations

import json

import aiohttp
import pytest

from ddbtui.dynamo.raw import CallInfo, RawDynamoClient, RawDynamoError
from ddbtui.dynamo.sigv4 import DynamoDBSigner
from ddbtui.local.engine import EngineError, LocalEngine

REGION = "us-east-1"
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}


def _ddb_call(url: str, target: str, body: bytes, headers: dict) -> int:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url + "/", data=body, method="POST",
                                 headers={"Content-Type": "application/x-amz-json-1.0",
                                          "X-Amz-Target": f"DynamoDB_20120810.{target}", **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture(scope="module")
def authed_moto():
    """(endpoint, (access_key, secret_key)) of a moto server that verifies signatures."""
    import boto3

    # Unauthenticated budget: engine start-up ping (ListTables), CreateUser, PutUserPolicy,
    # CreateAccessKey. Any leftover is burnt below, so the exact count does not matter.
    eng = LocalEngine(engine="moto", in_memory=True,
                      extra_env={"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
    try:
        eng.start()
    except EngineError as e:
        pytest.skip(f"moto could not start: {e}")
    try:
        iam = boto3.client("iam", endpoint_url=eng.endpoint_url, region_name=REGION,
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="ddbtui-raw")
        iam.put_user_policy(UserName="ddbtui-raw", PolicyName="ddb",
                            PolicyDocument=json.dumps(POLICY))
        key = iam.create_access_key(UserName="ddbtui-raw")["AccessKey"]
        # Burn what is left of the unauthenticated budget: a badly signed call succeeds
        # while the budget lasts and is refused once verification is on.
        bogus = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIABOGUS/20260101/us-east-1/"
                                  "dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                 "X-Amz-Date": "20260101T000000Z"}
        for _ in range(10):
            if _ddb_call(eng.endpoint_url, "ListTables", b"{}", bogus) != 200:
                break
        else:
            pytest.fail("moto never started verifying signatures")
        yield eng.endpoint_url, (key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        eng.stop()


async def test_correct_signature_is_accepted(authed_moto):
    url, (ak, sk) = authed_moto
    async with RawDynamoClient(url, REGION, (ak, sk, None), max_attempts=1) as c:
        await c.create_table(TableName="wallets",
                             KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
        info = CallInfo()
        await c.put_item("wallets", {"user_id": {"S": "ünïcødé"}, "balance": {"N": "5"}}, info=info)
        assert info.attempts == 1
        got = await c.get_item("wallets", {"user_id": {"S": "ünïcødé"}})
        assert got["Item"]["balance"] == {"N": "5"}
        assert await c.batch_write("wallets", [{"user_id": {"S": f"u{i}"}} for i in range(30)]) == 2
        assert await c.scan_count("wallets") == 31


async def test_wrong_secret_is_rejected(authed_moto):
    url, (ak, sk) = authed_moto
    async with RawDynamoClient(url, REGION, (ak, sk[:-1] + ("A" if sk[-1] != "A" else "B"), None),
                               max_attempts=1) as c:
        with pytest.raises(RawDynamoError) as ei:
            await c.request("ListTables", {})
    assert ei.value.status in (400, 403)
    assert "Signature" in ei.value.code or "signature" in ei.value.message.lower()


async def test_tampered_body_is_rejected(authed_moto):
    url, (ak, sk) = authed_moto
    signer = DynamoDBSigner(REGION, url)
    signed_body = json.dumps({"TableName": "wallets", "Key": {"user_id": {"S": "u1"}}}).encode()
    sent_body = json.dumps({"TableName": "wallets", "Key": {"user_id": {"S": "u2"}}}).encode()
    headers = signer.headers("GetItem", signed_body, (ak, sk, None))
    async with aiohttp.ClientSession() as s:
        async with s.post(url + "/", data=signed_body, headers=headers) as r:
            assert r.status == 200, await r.text()  # the control: same signature, same body
        async with s.post(url + "/", data=sent_body, headers=headers) as r:
            status, text = r.status, await r.text()
    assert status in (400, 403), text
    assert "SignatureDoesNotMatch" in text or "signature" in text.lower()


def test_boto3_and_raw_agree_on_the_same_server(authed_moto):
    """Sanity: boto3 with the same key is accepted too (so the key/policy set-up is right)."""
    import boto3

    url, (ak, sk) = authed_moto
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                       aws_access_key_id=ak, aws_secret_access_key=sk)
    assert isinstance(ddb.list_tables()["TableNames"], list)
