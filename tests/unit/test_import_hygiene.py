"""Layering is enforced: the DynamoDB, local-engine and benchmark code never import textual."""

import subprocess
import sys

import pytest

def _headless_modules() -> list[str]:
    """Every ddbtui module outside ddbtui.ui (found on disk, so a new module is covered)."""
    import pkgutil

    import ddbtui

    mods = ["ddbtui"]
    for info in pkgutil.walk_packages(ddbtui.__path__, "ddbtui."):
        if info.name.startswith("ddbtui.ui") or info.name.endswith("__main__"):
            continue
        mods.append(info.name)
    return mods


HEADLESS = _headless_modules()


def test_the_layers_exist():
    for m in ("ddbtui.dynamo.tables", "ddbtui.dynamo.raw", "ddbtui.dynamo.sigv4", "ddbtui.local.engine",
              "ddbtui.local.proxy", "ddbtui.bench.runner", "ddbtui.bench.cli", "ddbtui.dynamo.export"):
        assert m in HEADLESS


def _check(mod: str) -> subprocess.CompletedProcess:
    code = (f"import importlib, sys; importlib.import_module({mod!r}); "
            "bad=[m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("mod", HEADLESS)
def test_headless_modules_do_not_import_textual(mod):
    r = _check(mod)
    assert r.returncode == 0, f"{mod} pulled in textual: {r.stdout} {r.stderr[-500:]}"


def test_cli_help_is_fast_and_light():
    """`ddbtui --help` must not import boto3 or textual (start-up cost)."""
    code = ("import sys; from ddbtui.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('boto3','textual','aiohttp','aioboto3') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "textual" not in r.stdout and "aioboto3" not in r.stdout, r.stdout
