"""Each fault option of `ddbtui bench` reaches the fault proxy (issue #12), one at a time.

For every rate row of the proxy's fault table: run `python -m ddbtui.bench` with that option
alone (tiny run, one strategy, retry mode legacy so nothing fails), and check that the proxy
injected that kind (> 0), nothing else, and that the result's client-side counter reports
exactly as many (every injected fault costs the client exactly one failed attempt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ddbtui.local.proxy.faults import FAULTS

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
CLIENT_COUNTER = {"throttle": "throttled", "throttling": "throttled", "error_500": "server_errors",
                  "drop": "conn_errors", "drop_after": "conn_errors",
                  "unprocessed": "throttled"}  # a round with UnprocessedItems counts as one throttle
RATES = [k for k in FAULTS if k.is_rate]


@pytest.mark.parametrize("kind", RATES, ids=lambda k: k.option)
def test_cli_fault_option_reaches_the_proxy(dynamodb_local_engine, tmp_path, kind):
    batch = kind.action == "unprocessed"  # only BatchWriteItem can come back partial
    items, rate, strategy = (500, "0.5", "batch-async") if batch else (60, "0.2", "aiohttp")
    out = tmp_path / "r.json"
    p = subprocess.run([sys.executable, "-m", "ddbtui.bench", "--endpoint-url", dynamodb_local_engine.endpoint_url,
                        "--strategies", strategy, "--items", str(items), "--concurrency", "4",
                        "--retry-mode", "legacy", "--no-save", "--plain", "--json", str(out), kind.option, rate],
                       capture_output=True, text=True, timeout=110, cwd=ROOT, env=os.environ.copy())
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(out.read_text())
    assert doc["target"]["proxy"]["config"][kind.field] == float(rate)
    (r,) = doc["runs"]
    px = r["proxy"]
    assert px["injected"][kind.counter] > 0, px
    assert px["injected_total"] == px["injected"][kind.counter], px
    assert r[CLIENT_COUNTER[kind.counter]] == px["injected"][kind.counter], (r, px)
    assert r["failed"] == 0 and r["verified"] == items
