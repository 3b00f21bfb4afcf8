"""moto verifying signatures: with the right key every strategy succeeds; with a wrong one
the session and every strategy say one clear sentence naming the target.

Failed before: yes -- with --endpoint-url every client signed with the built-in dummy key
even when AWS_ACCESS_KEY_ID was set, so moto answered 403 for everything; the raw client
showed moto's XML body raw after "HTTP403:".
"""

from __future__ import annotations

import pytest

from ddbtui.bench.runner import Settings, run_benchmark
from ddbtui.bench.session import BenchSession, SessionError
from ddbtui.bench.strategies import NAMES
from ddbtui.config import resolve_target
from ddbtui.dynamo.clients import clear_cache
from tests.integration.test_raw_sigv4_moto import authed_moto  # noqa: F401 - the fixture


@pytest.fixture
def keys_env(monkeypatch, tmp_path):
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    def use(access: str, secret: str):
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", access)  # inherited by worker processes
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        clear_cache()

    yield use
    clear_cache()


def test_right_key_every_strategy_succeeds(authed_moto, keys_env):  # noqa: F811
    url, (ak, sk) = authed_moto
    keys_env(ak, sk)
    conn = resolve_target(endpoint_url=url).connection
    assert not conn.local_credentials
    BenchSession(Settings(strategies=["sync"]), conn).probe()  # first contact passes
    doc = run_benchmark(Settings(strategies=list(NAMES), items=4, concurrency=2, processes=1,
                                 retry_mode="none"), conn)
    assert doc["error"] is None, doc["error"]
    for r in doc["runs"]:
        assert r["error"] is None and r["ok"] == 4 and r["verified"] == 4, r


def test_wrong_key_is_one_sentence(authed_moto, keys_env, tmp_path, monkeypatch):  # noqa: F811
    url, (ak, sk) = authed_moto
    keys_env(ak, "not-the-secret")
    conn = resolve_target(endpoint_url=url).connection
    with pytest.raises(SessionError) as e:
        BenchSession(Settings(strategies=["sync"]), conn).probe()
    msg = str(e.value)
    assert "rejected the credentials" in msg and "127.0.0.1" in msg and "\n" not in msg
    assert "<" not in msg  # no XML body dumped
    doc = run_benchmark(Settings(strategies=["sync"], items=2), conn)
    assert "rejected the credentials" in doc["error"] and not doc["runs"]

    # every strategy on its own: tables made with the right key (a profile), writes with a wrong one
    cfg = tmp_path / "config"
    cfg.write_text(f"[profile right]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n\n"
                   f"[profile wrong]\naws_access_key_id = {ak}\naws_secret_access_key = nope\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    clear_cache()
    right = resolve_target(endpoint_url=url, profile="right").connection
    wrong = resolve_target(endpoint_url=url, profile="wrong").connection
    doc = run_benchmark(Settings(strategies=list(NAMES), items=2, concurrency=1, processes=1,
                                 retry_mode="none"), wrong, admin_conn=right)
    assert doc["error"] is None and len(doc["runs"]) == len(NAMES), doc["error"]
    for r in doc["runs"]:
        assert r["ok"] == 0, r
        sentence = r["error"] or (r["notes"] or [""])[0]
        assert "rejected the credentials" in sentence, (r["strategy"], sentence)
        assert "\n" not in sentence and "<" not in sentence, sentence
