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
