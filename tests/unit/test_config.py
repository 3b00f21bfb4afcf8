"""One resolution of the target: endpoint (flag, env, profile, services section, AWS),
region and credentials source, decided once (botocore's own configured-endpoint rules)."""

import textwrap

import pytest

from ddbtui.config import LOCAL_ACCESS_KEY, Connection, TargetError, resolve_target
from ddbtui.dynamo.clients import access_key_hint, clear_cache

CONFIG = """\
[profile local-ep]
region = eu-west-1
endpoint_url = http://127.0.0.1:8123
aws_access_key_id = AKIAPROFILELOCAL
aws_secret_access_key = secret-profile-local

[profile svc]
region = ap-south-1
services = local-services
aws_access_key_id = AKIAPROFILESVC
aws_secret_access_key = secret-profile-svc

[services local-services]
dynamodb =
  endpoint_url = http://127.0.0.1:8124

[profile awsish]
region = eu-central-1
endpoint_url = https://dynamodb.eu-central-1.amazonaws.com
aws_access_key_id = AKIAPROFILEAWS
aws_secret_access_key = secret-profile-aws

[profile plain]
region = us-west-2
aws_access_key_id = AKIAPLAIN
aws_secret_access_key = secret-plain

[profile ignoring]
region = us-west-2
endpoint_url = http://127.0.0.1:8125
ignore_configured_endpoint_urls = true
aws_access_key_id = AKIAIGNORE
aws_secret_access_key = secret-ignore
"""


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    """A private AWS config file and no AWS variables from the outside."""
    cfg = tmp_path / "config"
    cfg.write_text(textwrap.dedent(CONFIG))
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clear_cache()
    yield monkeypatch
    clear_cache()


def test_default_is_local_engine():
    t = resolve_target(env={})
    assert t.needs_local_engine and t.connection.local_credentials
    assert t.connection.region == "us-east-1"
    assert not t.connection.is_aws  # nothing resolved yet: never the AWS marker


def test_aws_profile_alone_does_not_reach_aws():
    t = resolve_target(env={"AWS_PROFILE": "prod", "AWS_REGION": "eu-west-1"})
    assert t.needs_local_engine
    assert t.connection.region == "eu-west-1"


def test_endpoint_env_variables(aws_env):
    aws_env.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
    aws_env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    c = resolve_target().connection
    assert c.endpoint_url == "http://127.0.0.1:8000" and c.is_local and not c.is_aws
    assert c.local_credentials and c.endpoint_source == "AWS_ENDPOINT_URL_DYNAMODB"
    aws_env.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    c = resolve_target().connection
    assert c.endpoint_url == "http://127.0.0.1:9" and c.endpoint_source == "AWS_ENDPOINT_URL"
    assert "AWS_ENDPOINT_URL" in c.label() and "127.0.0.1:9" in c.describe()


def test_profile_endpoint_url_is_the_target(aws_env):
    """The bug: boto3 used the profile's endpoint, the raw client built an AWS URL, the
    header showed the AWS marker and results said is_aws."""
    c = resolve_target(profile="local-ep").connection
    assert c.endpoint_url == "http://127.0.0.1:8123"
    assert not c.is_aws and c.region == "eu-west-1" and not c.local_credentials
    assert "profile local-ep" in c.label() and "AWS " not in c.label()
    assert c.describe() == "the endpoint from profile local-ep (http://127.0.0.1:8123)"
    assert access_key_hint(c) == "AKIAPROFILELOCAL"


def test_profile_from_aws_profile_env(aws_env):
    aws_env.setenv("AWS_PROFILE", "local-ep")
    c = resolve_target(aws=True).connection
    assert c.endpoint_url == "http://127.0.0.1:8123" and c.profile == "local-ep" and not c.is_aws


def test_services_section(aws_env):
    c = resolve_target(profile="svc").connection
    assert c.endpoint_url == "http://127.0.0.1:8124" and c.endpoint_source == "services"
    assert not c.is_aws and c.region == "ap-south-1"
    assert "services section local-services" in c.label()
    assert access_key_hint(c) == "AKIAPROFILESVC"


def test_flag_beats_profile_and_env(aws_env):
    aws_env.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")
    c = resolve_target(endpoint_url="http://127.0.0.1:7777", profile="svc").connection
    assert c.endpoint_url == "http://127.0.0.1:7777" and c.endpoint_source == "flag"
    # a named profile's keys sign for any endpoint
    assert not c.local_credentials and access_key_hint(c) == "AKIAPROFILESVC"


def test_ignore_configured_endpoint_urls(aws_env):
    c = resolve_target(profile="ignoring").connection
    assert c.endpoint_url == "https://dynamodb.us-west-2.amazonaws.com" and c.is_aws


def test_aws_shaped_endpoints_resolution_only(aws_env):
    # resolution only: nothing here sends a request
    c = resolve_target(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com", region="eu-west-1").connection
    assert c.is_aws and c.label() == "AWS eu-west-1" and c.describe().startswith("AWS eu-west-1")
    c = resolve_target(profile="awsish").connection
    assert c.is_aws and c.endpoint_url == "https://dynamodb.eu-central-1.amazonaws.com"
    c = resolve_target(aws=True, region="cn-north-1", profile="plain").connection
    assert c.endpoint_url == "https://dynamodb.cn-north-1.amazonaws.com.cn" and c.is_aws
    c = resolve_target(aws=True, region="eu-central-1", profile="plain").connection
    assert c.is_aws and c.profile == "plain" and c.region == "eu-central-1"
    assert c.label() == "AWS eu-central-1 profile plain" and not c.local_credentials


def test_explicit_env_credentials_on_a_local_endpoint(aws_env):
    c = resolve_target(endpoint_url="http://127.0.0.1:8000").connection
    assert c.local_credentials and access_key_hint(c) == LOCAL_ACCESS_KEY
    aws_env.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    c = resolve_target(endpoint_url="http://127.0.0.1:8000").connection
    assert not c.local_credentials and access_key_hint(c) == "AKIAFROMENV"


def test_unknown_profile_is_one_sentence(aws_env):
    with pytest.raises(TargetError) as e:
        resolve_target(profile="nope")
    assert "'nope' is not in your AWS config files" in str(e.value)


def test_bad_endpoint_message():
    with pytest.raises(TargetError) as e:
        resolve_target(endpoint_url="localhost:8000", env={})
    assert "http(s) URL" in str(e.value)


def test_connection_round_trip():
    c = Connection(region="us-west-2").with_endpoint("http://127.0.0.1:1234", engine="moto")
    assert Connection.from_dict(c.to_dict()) == c
    assert c.label() == "moto @ 127.0.0.1:1234"
    assert c.describe() == "the local engine (moto) at 127.0.0.1:1234"
    p = c.via_proxy("http://127.0.0.1:999")
    assert Connection.from_dict(p.to_dict()) == p and p.local_credentials
    assert p.describe() == "the fault proxy at 127.0.0.1:999 in front of the local engine (moto) at 127.0.0.1:1234"
