"""Each connection problem becomes one clear sentence (faults built from botocore's own types)."""

import pytest
from botocore import exceptions as be

from ddbtui.dynamo.errors import explain


def client_error(code, msg="m"):
    return be.ClientError({"Error": {"Code": code, "Message": msg}}, "PutItem")


@pytest.mark.parametrize("exc, frag", [
    (be.NoCredentialsError(), "No AWS credentials found"),
    (be.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "AWS_SECRET_ACCESS_KEY is missing"),
    (be.ProfileNotFound(profile="prod"), "'prod' is not in your AWS config"),
    (be.NoRegionError(), "No AWS region"),
    (be.TokenRetrievalError(provider="sso", error_msg="x"), "aws sso login"),
    (be.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "Cannot reach"),
    (client_error("ExpiredTokenException"), "have expired"),
    (client_error("UnrecognizedClientException"), "rejected the credentials"),
    (client_error("ResourceNotFoundException", "Requested resource not found"), "wrong region"),
    (client_error("ProvisionedThroughputExceededException"), "Throttled"),
])
def test_one_sentence(exc, frag):
    msg = explain(exc, endpoint="http://127.0.0.1:9", region="eu-west-1")
    assert frag in msg and "\n" not in msg and "Traceback" not in msg


def test_secret_never_in_message():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    e = be.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY")
    assert secret not in explain(e)


# ---------------------------------------------------------------- #12: sentences that name the target
def test_capability_gap_names_the_engine_and_what_to_use():
    """Failed before: yes -- UnknownOperationException was shown bare on a deposit."""
    e = be.ClientError({"Error": {"Code": "UnknownOperationException", "Message": ""}}, "TransactWriteItems")
    msg = explain(e, target="the local engine (moto) at 127.0.0.1:8000")
    assert msg.startswith("The local engine (moto) at 127.0.0.1:8000 does not support TransactWriteItems")
    assert "DynamoDB Local" in msg and "\n" not in msg


def test_unreachable_names_the_target_not_aws():
    """Failed before: yes -- a local target was called "AWS"."""
    e = be.EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    msg = explain(e, target="the local engine (DynamoDB Local) at 127.0.0.1:9")
    assert "the local engine (DynamoDB Local) at 127.0.0.1:9" in msg and "AWS" not in msg
    assert "AWS" not in explain(e)


@pytest.mark.parametrize("status, body, code, words", [
    (400, b'{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad key"}',
     "ValidationException", "bad key"),
    (403, b"<?xml version='1.0' encoding='UTF-8'?><ErrorResponse><Error><Code>InvalidClientTokenId</Code>"
          b"<Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>",
     "InvalidClientTokenId", "security token included"),
    (502, b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad</h1></body></html>",
     "HTTP502", "502 Bad Gateway"),
    (503, b"upstream connect error or disconnect/reset before headers", "HTTP503", "upstream connect error"),
])
def test_error_bodies_of_any_shape(status, body, code, words):
    """Failed before: yes -- a non-JSON body (moto's XML 403) was dumped raw after "HTTP403:"."""
    from ddbtui.dynamo.raw import error_from_response

    err = error_from_response(status, body)
    assert err.code == code and words in err.message and "<" not in err.message
    sentence = explain(err, target="the endpoint at 127.0.0.1:1")
    assert "<" not in sentence and "\n" not in sentence
    if status == 403:
        assert "rejected the credentials" in sentence and "127.0.0.1:1" in sentence
