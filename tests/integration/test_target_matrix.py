"""Every client reaches the endpoint, with the key, that the header names.

Matrix: where the target comes from (flag, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, a
profile's endpoint_url, a profile's services section; with and without explicit keys) x
every benchmark strategy (boto3, aioboto3, the raw client, worker processes) and the
admin path, against a recording endpoint in front of the shared DynamoDB Local. The TUI's
clients and header are checked once with Pilot. AWS-shaped endpoints are checked by
resolution only (tests/unit/test_config.py): nothing here leaves 127.0.0.1.

Failed before: yes -- a profile's endpoint_url reached boto3 but the raw strategies built
dynamodb.<region>.amazonaws.com (connection error here, real AWS with a network), and with
--endpoint-url every client signed with the dummy key despite AWS_ACCESS_KEY_ID.
"""

from __future__ import annotations

import textwrap

import pytest

from ddbtui.bench.runner import Settings, run_benchmark
from ddbtui.bench.strategies import NAMES
from ddbtui.config import LOCAL_ACCESS_KEY, resolve_target
from ddbtui.dynamo.clients import access_key_hint, clear_cache
from tests.integration.recording_endpoint import RecordingEndpoint

pytestmark = pytest.mark.dynamodb_local

ENV_KEY = "AKIAENVMATRIX"
PROFILE_KEY = "AKIAPROFILEMATRIX"
SVC_KEY = "AKIASERVICESMATRIX"


@pytest.fixture(scope="module")
def recorder(dynamodb_local_engine):
    with RecordingEndpoint(dynamodb_local_engine.endpoint_url) as rec:
        yield rec


@pytest.fixture
def aws_env(tmp_path, monkeypatch, recorder):
    cfg = tmp_path / "config"
    cfg.write_text(textwrap.dedent(f"""\
        [profile ep]
        region = eu-west-1
        endpoint_url = {recorder.url}
        aws_access_key_id = {PROFILE_KEY}
        aws_secret_access_key = profile-secret

        [profile svc]
        region = ap-south-1
        services = matrix
        aws_access_key_id = {SVC_KEY}
        aws_secret_access_key = svc-secret

        [services matrix]
        dynamodb =
          endpoint_url = {recorder.url}
        """))
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))  # inherited by worker processes too
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clear_cache()
    recorder.take()
    yield monkeypatch
    clear_cache()


def _env_keys(mp) -> None:
    mp.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
    mp.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")


# The two sources of the reported bugs and the services section run every strategy; the
# others run one client of each kind (boto3, aioboto3, raw, worker processes) to stay fast.
EVERY = list(NAMES)
ONE_OF_EACH = ["sync", "aioboto3", "aiohttp", "processes"]
FULL = {"flag+env-keys", "profile-endpoint_url", "profile-services"}

# (source, how to set it up -> resolve_target kwargs, expected key)
SOURCES = {
    "flag": (lambda mp, url: {"endpoint_url": url}, LOCAL_ACCESS_KEY),
    "flag+env-keys": (lambda mp, url: (_env_keys(mp), {"endpoint_url": url})[1], ENV_KEY),
    "env-dynamodb": (lambda mp, url: (mp.setenv("AWS_ENDPOINT_URL_DYNAMODB", url), {})[1], LOCAL_ACCESS_KEY),
    "env-global+keys": (lambda mp, url: (mp.setenv("AWS_ENDPOINT_URL", url), _env_keys(mp), {})[2], ENV_KEY),
    "profile-endpoint_url": (lambda mp, url: {"profile": "ep"}, PROFILE_KEY),
    "profile-services": (lambda mp, url: {"profile": "svc"}, SVC_KEY),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_strategy_hits_the_named_endpoint_and_key(source, aws_env, recorder):
    setup, key = SOURCES[source]
    conn = resolve_target(**setup(aws_env, recorder.url)).connection
    # what the header shows
    assert conn.endpoint_url == recorder.url and recorder.host in conn.label()
    assert not conn.is_aws
    assert access_key_hint(conn) == key
    strategies = EVERY if source in FULL else ONE_OF_EACH
    doc = run_benchmark(Settings(strategies=strategies, items=6, concurrency=2, processes=1,
                                 retry_mode="none"), conn)
    assert doc["error"] is None, doc["error"]
    assert [r["strategy"] for r in doc["runs"]] == strategies
    for r in doc["runs"]:
        assert r["error"] is None and r["ok"] == 6 and r["verified"] == 6, r
    assert doc["target"]["host"] == recorder.host and doc["target"]["is_aws"] is False
    seen = recorder.take()
    assert {s.host for s in seen} == {recorder.host}
    assert {s.key for s in seen} == {key}
    for r in doc["runs"]:  # each strategy's own writes went through here
        writes = [s for s in seen if r["table"] in s.tables and s.op in ("PutItem", "BatchWriteItem")]
        assert writes, f"{r['strategy']} wrote nothing through the recording endpoint"


async def test_tui_clients_and_header(aws_env, recorder):
    """The TUI (header, tables screen) on a profile whose endpoint_url is local: the header
    names the endpoint, the profile and its key, no AWS marker; requests carry that key."""
    from ddbtui.ui.app import DdbApp

    conn = resolve_target(profile="ep").connection
    app = DdbApp(connection=conn)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.key_hint and any(s.op == "ListTables" for s in recorder.seen):
                break
        from ddbtui.ui.widgets.target_bar import TargetBar

        header = app.screen.query_one(TargetBar).render_target().plain
    assert recorder.url in header and "profile ep" in header and PROFILE_KEY in header
    assert " AWS " not in header
    seen = recorder.take()
    assert seen and {s.key for s in seen} == {PROFILE_KEY} and {s.host for s in seen} == {recorder.host}
