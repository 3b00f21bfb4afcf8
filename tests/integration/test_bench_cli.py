"""`python -m ddbtui.bench` end to end: output, exit codes, the JSON file, Ctrl+C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ddbtui.config import LOCAL_SECRET_KEY

SCHEMA = Path(__file__).parent.parent / "data" / "bench_result.schema.json"
ROOT = Path(__file__).resolve().parents[2]


def bench(*args, timeout=120, env=None):
    return subprocess.run([sys.executable, "-m", "ddbtui.bench", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env or os.environ.copy())


def check_schema(doc):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))


def test_cli_json_output_schema_and_no_secrets(dynamodb_local_engine, tmp_path):
    out = tmp_path / "r.json"
    p = bench("--endpoint-url", dynamodb_local_engine.endpoint_url, "--strategies", "sync,aiohttp",
              "--items", "80", "--concurrency", "4", "--repeat", "2", "--json", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    for needle in ("Time (mean ± σ)", "Range (min … max)", "times faster than", "verified", "p99.9"):
        assert needle in p.stdout
    text = out.read_text()
    assert LOCAL_SECRET_KEY not in text and "secret" not in text.lower()
    doc = json.loads(text)
    check_schema(doc)
    # explicit checks too
    assert doc["complete"] is True and len(doc["runs"]) == 4
    assert {r["strategy"] for r in doc["runs"]} == {"sync", "aiohttp"}
    assert all(r["verified"] == 80 and r["lost"] == 0 for r in doc["runs"])
    assert doc["target"]["host"].startswith("127.0.0.1:")
    assert doc["machine"]["cpu_count"] >= 1 and doc["versions"]["botocore"] == "1.40.61"
    assert "±" in p.stdout.split("Summary")[1]
    # also saved in the results directory, listed and loadable
    from ddbtui.bench.results import list_results, load_result

    listed = [r for r in list_results() if r["id"] == doc["id"]]
    assert listed and load_result(listed[0]["path"])["id"] == doc["id"]


def test_cli_refuses_non_empty_table(dynamodb_local_engine, tmp_path):
    from tests.conftest import connection_for
    from ddbtui.dynamo.clients import client_for
    from ddbtui.dynamo.tables import KeySpec, TableSpec, create_table

    conn = connection_for(dynamodb_local_engine)
    c = client_for(conn)
    name = f"theirs_{os.getpid()}"
    create_table(c, TableSpec(name, KeySpec("isbn")), wait=True)
    c.put_item(TableName=name, Item={"isbn": {"S": "not-ours"}})
    args = ("--endpoint-url", dynamodb_local_engine.endpoint_url, "--strategies", "aiohttp",
            "--items", "30", "--concurrency", "2", "--table", name, "--no-save")
    p = bench(*args)
    assert p.returncode == 2
    assert "not empty" in p.stderr and "--force" in p.stderr and "Traceback" not in p.stderr
    # --force writes into it, verifies by key, and leaves the table (not ours) in place
    p = bench(*args, "--force", "--json", str(tmp_path / "f.json"))
    assert p.returncode == 0, p.stdout + p.stderr
    run = json.loads((tmp_path / "f.json").read_text())["runs"][0]
    assert run["verification"] == "key-lookup" and run["verified"] == 30 and run["lost"] == 0
    assert c.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_cli_bad_options_exit_2():
    p = bench("--strategies", "sync,warp", "--endpoint-url", "http://127.0.0.1:9")
    assert p.returncode == 2 and "warp" in p.stderr


def test_cli_fault_proxy_retries_counted(dynamodb_local_engine, tmp_path):
    out = tmp_path / "p.json"
    p = bench("--endpoint-url", dynamodb_local_engine.endpoint_url, "--strategies", "sync,aiohttp,batch-async",
              "--items", "100", "--concurrency", "4", "--throttle-rate", "0.1", "--unprocessed-rate", "0.3",
              "--fault-seed", "3", "--retry-mode", "legacy", "--json", str(out), "--no-save")
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(out.read_text())
    check_schema(doc)
    assert "injected" in p.stdout
    for r in doc["runs"]:
        assert r["lost"] == 0 and r["missing"] == 0, r
        injected = r["proxy"]["injected"]
        assert r["proxy"]["injected_total"] > 0, r
        # every injected throttle was seen by the client, even those botocore retried silently
        assert r["throttled"] >= injected["throttle"], r
        assert r["retries"] >= injected["throttle"] > 0 or r["strategy"] == "batch-async"
        assert r["retries"] > 0
    assert doc["target"]["proxy"]["config"]["throttle_rate"] == 0.1


def test_ctrl_c_saves_incomplete_result_and_stops(moto_engine, tmp_path):
    out = tmp_path / "c.json"
    proc = subprocess.Popen([sys.executable, "-m", "ddbtui.bench", "--endpoint-url", moto_engine.endpoint_url,
                             "--strategies", "processes,sync", "--items", "50000", "--concurrency", "8",
                             "--processes", "2", "--workload", "wallets", "--json", str(out), "--no-save"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "[processes 1/1]" in line and "items/s" in line and not line.split("]")[1].strip().startswith("0/"):
            break
    else:
        proc.kill()
        raise AssertionError("".join(lines))
    tree = psutil.Process(proc.pid).children(recursive=True)
    assert len(tree) >= 3  # engine + 2 workers (+ resource tracker)
    proc.send_signal(signal.SIGINT)
    # Behaviour, not a duration: Ctrl+C ends the run (generous deadline for a loaded box; without
    # it 50k moto writes take minutes), exit code 130, the incomplete result is saved.
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, "".join(lines) + rest
    doc = json.loads(out.read_text())
    assert doc["complete"] is False and "INCOMPLETE" in rest
    assert doc["runs"] and doc["runs"][0]["ok"] > 0
    _, alive = psutil.wait_procs(tree, timeout=30)
    alive = [k for k in alive if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert not alive, alive
