"""One table of fault kinds: a row added in a test appears in the CLI options, FaultConfig,
describe(), the serialized config, the TUI form's fields, and the proxy injects it."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request

import pytest

from ddbtui.local.proxy import faults
from ddbtui.local.proxy.faults import FAULTS, FaultConfig, FaultKind

NEW = FaultKind("limit_rate", "--limit-rate", "error", "fraction answered 400 RequestLimitExceeded",
                label="Limits 0..1", placeholder="e.g. 0.1", short="limit", counter="limit",
                error=(400, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
                       "Throughput exceeds the current throughput limit for your account."))


@pytest.fixture
def new_row(monkeypatch):
    monkeypatch.setattr(faults, "FAULTS", (*FAULTS, NEW))
    return NEW


def _parser() -> argparse.ArgumentParser:
    from ddbtui.local.proxy import add_proxy_arguments

    p = argparse.ArgumentParser()
    add_proxy_arguments(p)
    return p


def test_new_row_is_an_option_a_field_and_described(new_row, capsys):
    from ddbtui.local.proxy import fault_config_from_args

    p = _parser()
    assert "--limit-rate" in p.format_help()
    cfg = fault_config_from_args(p.parse_args(["--limit-rate", "0.25"]))
    assert cfg is not None and cfg.limit_rate == 0.25 and cfg.any_fault
    assert "limit 0.25" in cfg.describe()
    assert FaultConfig.from_json(cfg.to_json()) == cfg and json.loads(cfg.to_json())["limit_rate"] == 0.25
    # its limits are checked by the row, wherever the value comes from
    with pytest.raises(SystemExit):
        p.parse_args(["--limit-rate", "1.5"])
    assert "--limit-rate takes a fraction between 0 and 1, got 1.5." in capsys.readouterr().err
    with pytest.raises(ValueError, match="--limit-rate"):
        FaultConfig(limit_rate=2)
    # it shares the one draw with the other exclusive kinds
    with pytest.raises(ValueError, match="at most 1"):
        FaultConfig(limit_rate=0.6, throttle_rate=0.6)


def test_new_row_reaches_the_proxy_process_whole(new_row):
    from ddbtui.bench.proxy_process import ProxyProcess

    args = ProxyProcess(FaultConfig(limit_rate=0.5, seed=3), "http://127.0.0.1:8000").args()
    sent = FaultConfig.from_json(args[args.index("--config-json") + 1])
    assert sent == FaultConfig(limit_rate=0.5, seed=3)


def test_new_row_in_the_tui_form(new_row):
    from ddbtui.config import Connection
    from ddbtui.ui.screens.bench import FormError, parse_fault_fields

    assert NEW in faults.form_kinds()
    local = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    cfg = parse_fault_fields({"limit_rate": "0.3"}, local)
    assert cfg == FaultConfig(limit_rate=0.3)
    with pytest.raises(FormError) as e:
        parse_fault_fields({"limit_rate": "x"}, local)
    assert e.value.field == "limit_rate" and "Limits takes a fraction between 0 and 1" in e.value.message


async def test_new_row_is_a_field_on_the_screen(new_row):
    from textual.widgets import Input

    from ddbtui.config import Connection
    from ddbtui.ui.app import DdbApp
    from ddbtui.ui.screens.bench import BenchScreen
    from tests.ui.conftest import screen_text

    app = DdbApp(connection=Connection(region="us-east-1").with_endpoint("http://127.0.0.1:9", engine="moto"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(BenchScreen())
        await pilot.pause(0.2)
        field = app.screen.query_one("#limit_rate", Input)
        assert field.placeholder == "e.g. 0.1"
        assert "Limits 0..1" in screen_text(app)


def test_new_row_is_injected_by_the_proxy(new_row):
    """An `error` row needs no server edit: the proxy answers it in DynamoDB's wire format
    and counts it (the target is never contacted: nothing listens there)."""
    from ddbtui.local.proxy import ProxyThread

    with ProxyThread("http://127.0.0.1:9", FaultConfig(limit_rate=1.0)) as proxy:
        req = urllib.request.Request(proxy.url, data=b"{}", method="POST", headers={
            "X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 400
        assert json.loads(e.value.read())["__type"] == NEW.error[1]
        st = proxy.stats()
    assert st["injected"]["limit"] == 1 and st["injected_total"] == 1 and st["forwarded"] == 0


def test_every_row_is_complete():
    fields = [k.field for k in FAULTS]
    assert len(set(fields)) == len(fields) and len({k.option for k in FAULTS}) == len(FAULTS)
    for k in FAULTS:
        assert k.option.startswith("--") and k.help
        assert (k.action == "error") == (k.error is not None), k
        assert bool(k.counter) == k.is_rate, k  # every injected kind is counted
    assert [k.counter for k in FAULTS if k.action in faults.EXCLUSIVE_ACTIONS] == list(faults.FAULT_KINDS)
