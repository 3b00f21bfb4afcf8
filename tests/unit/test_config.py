from ddbtui.config import Connection, resolve_target
from ddbtui.dynamo.errors import ValidationError

import pytest


def test_default_is_local_engine():
    t = resolve_target(env={})
    assert t.needs_local_engine and t.connection.local_credentials
    assert t.connection.region == "us-east-1"


def test_aws_profile_alone_does_not_reach_aws():
    t = resolve_target(env={"AWS_PROFILE": "prod", "AWS_REGION": "eu-west-1"})
    assert t.needs_local_engine
    assert t.connection.region == "eu-west-1"


def test_endpoint_env_variables():
    t = resolve_target(env={"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
                            "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert not t.needs_local_engine
    assert t.connection.endpoint_url == "http://127.0.0.1:8000" and t.connection.is_local
    assert t.connection.local_credentials and not t.connection.is_aws


def test_aws_flag_uses_profile_from_env():
    t = resolve_target(aws=True, region="eu-central-1", env={"AWS_PROFILE": "dev"})
    c = t.connection
    assert not t.needs_local_engine and c.is_aws and c.profile == "dev" and c.region == "eu-central-1"
    assert c.label() == "AWS eu-central-1 profile dev"
    assert not c.local_credentials


def test_bad_endpoint_message():
    with pytest.raises(ValidationError) as e:
        resolve_target(endpoint_url="localhost:8000", env={})
    assert "http(s) URL" in str(e.value)


def test_connection_round_trip():
    c = Connection(region="us-west-2").with_endpoint("http://127.0.0.1:1234", engine="moto")
    assert Connection.from_dict(c.to_dict()) == c
    assert c.label() == "moto @ 127.0.0.1:1234"
