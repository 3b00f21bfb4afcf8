"""The TOML config file: parse, rewrite without losing keys, one-sentence errors, and its
place in target resolution (flags > AWS_* variables > config file > local engine)."""

from pathlib import Path

import pytest

from ddbtui import userconfig as U
from ddbtui.config import resolve_target


def test_round_trip_keeps_unknown_keys(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('future = 1\n[ui]\ntheme = "nord"\nother = true\n'
                 '[[statements]]\nname = "a"\nstatement = "SELECT 1"\n'
                 '[bench.presets.q]\nitems = 5\n')
    cfg = U.load(p)
    assert cfg.theme == "nord" and cfg.statement("a").statement == "SELECT 1"
    assert cfg.bench_presets == {"q": {"items": 5}}
    U.save_statement("b", "SELECT 2", p)
    U.update(p, theme="dracula")
    again = U.load(p)
    assert [s.name for s in again.statements] == ["a", "b"] and again.theme == "dracula"
    assert again.raw["future"] == 1 and again.raw["ui"]["other"] is True


@pytest.mark.parametrize("text, words", [
    ("x = [", "not valid TOML"),
    ("[target]\nendpoint = 'x'\n", "unknown key 'endpoint'"),
    ("[target]\naws = 'yes'\n", "aws must be true or false"),
    ("[[statements]]\nstatement = 'x'\n", "needs a name"),
])
def test_bad_files_are_one_sentence_and_never_overwritten(tmp_path, text, words):
    p = tmp_path / "config.toml"
    p.write_text(text)
    with pytest.raises(U.ConfigError) as e:
        U.load(p)
    assert words in e.value.message and str(p) in e.value.message and "\n" not in e.value.message
    with pytest.raises(U.ConfigError):
        U.save_statement("n", "SELECT 1", p)
    assert p.read_text() == text


def test_resolution_order(tmp_path):
    aws = tmp_path / "aws-config"
    aws.write_text("[profile dev]\nregion = ap-south-1\n")
    env = {"AWS_CONFIG_FILE": str(aws)}
    ft = {"profile": "dev", "region": "eu-west-1"}
    t = resolve_target(env=env, file_target=ft)
    assert (t.connection.profile, t.connection.region, t.needs_local_engine) == ("dev", "eu-west-1", False)
    t = resolve_target(env=env, file_target={"profile": "dev"})
    assert t.connection.region == "ap-south-1"  # the profile's region when the file names none
    t = resolve_target(env={**env, "AWS_REGION": "us-west-2"}, file_target=ft)
    assert t.connection.region == "us-west-2"
    t = resolve_target(endpoint_url="http://127.0.0.1:8000", env={}, file_target=ft)
    assert t.connection.profile is None and t.connection.local_credentials
    t = resolve_target(env={}, file_target={})
    assert t.needs_local_engine


def test_config_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DDBTUI_CONFIG_DIR", str(tmp_path))
    assert U.config_path() == Path(tmp_path) / "config.toml"
    assert U.load().statements == []
