"""Local engines: start, readiness, clear errors, and no orphans (stop, SIGTERM, crash)."""

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from ddbtui.local.engine import EngineError, LocalEngine, free_port, ping


def _gone(pid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_moto_engine_starts_answers_and_stops():
    e = LocalEngine(engine="moto").start()
    pid = e.proc.pid
    assert ping(e.endpoint_url)
    assert "data is lost on exit" in e.describe() and "throughput is low" in e.describe()
    e.stop()
    assert _gone(pid) and not ping(e.endpoint_url, timeout=0.5)


@pytest.mark.dynamodb_local
def test_dynamodb_local_persists_across_restarts(tmp_path, dynamodb_local_engine):
    from ddbtui.config import Connection
    from ddbtui.dynamo import tables as T
    from ddbtui.dynamo.clients import new_client

    port = free_port()
    with LocalEngine(engine="dynamodb-local", port=port, data_dir=tmp_path) as e:
        c = new_client(Connection().with_endpoint(e.endpoint_url))
        T.create_table(c, T.wallet_spec("kept_table"), wait=True)
        assert "data in" in e.describe()
    with LocalEngine(engine="dynamodb-local", data_dir=tmp_path) as e:
        c = new_client(Connection().with_endpoint(e.endpoint_url))
        assert "kept_table" in T.list_tables(c)


def test_port_taken_is_a_clear_error(moto_engine):
    with pytest.raises(EngineError) as e:
        LocalEngine(engine="moto", port=moto_engine.port).start()
    assert f"port {moto_engine.port}" in str(e.value) and "already in use" in str(e.value)


def test_missing_java_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineError) as e:
        LocalEngine(engine="dynamodb-local").start()
    assert "Java is not installed" in str(e.value)


def test_auto_falls_back_to_moto_without_java(monkeypatch):
    import ddbtui.local.engine as m

    monkeypatch.setattr(m, "java_path", lambda: None)  # a fault: Java missing
    e = LocalEngine(engine="auto")
    try:
        e.start()
        assert e.chosen == "moto" and "Java" in e.fallback_reason
    finally:
        e.stop()


def test_engine_that_dies_reports_log(monkeypatch, tmp_path):
    e = LocalEngine(engine="moto")
    monkeypatch.setattr(e, "_command", lambda which: [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])
    with pytest.raises(EngineError) as err:
        e.start()
    assert "exit code 3" in str(err.value) and "log:" in str(err.value) and "boom" in str(err.value)


SCRIPT = textwrap.dedent("""
    import sys, time, os
    from ddbtui.local.engine import LocalEngine
    e = LocalEngine(engine=sys.argv[1], in_memory=True).start()
    print(e.proc.pid, flush=True)
    time.sleep(120)
""")


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_no_orphans_when_parent_dies(how):
    """SIGTERM runs our cleanup; SIGKILL (a crash) is caught by the parent-death signal."""
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, "moto"], stdout=subprocess.PIPE, text=True)
    child = int(p.stdout.readline())
    assert psutil.pid_exists(child)
    p.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
    p.wait(10)
    assert _gone(child), f"engine {child} outlived its parent ({how})"


def test_cli_local_prints_endpoint_and_stops_on_sigterm():
    p = subprocess.Popen([sys.executable, "-m", "ddbtui", "local", "--engine", "moto"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        lines.append(line)
        if line.startswith("endpoint: "):
            break
    endpoint = lines[-1].split()[1]
    assert endpoint.startswith("http://127.0.0.1:") and ping(endpoint)
    assert any("data is lost on exit" in line for line in lines)
    kids = [c.pid for c in psutil.Process(p.pid).children(recursive=True)]
    p.send_signal(signal.SIGTERM)
    assert p.wait(15) == 0
    assert all(_gone(k) for k in kids)


def test_cli_version_and_help():
    out = subprocess.run([sys.executable, "-m", "ddbtui", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("ddbtui ")
    h = subprocess.run([sys.executable, "-m", "ddbtui", "--help"], capture_output=True, text=True)
    for word in ("bench", "local", "proxy", "--endpoint-url", "--profile", "--aws", "--read-only"):
        assert word in h.stdout


def test_cli_unreachable_endpoint_is_one_sentence():
    port = free_port()
    r = subprocess.run([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url",
                        f"http://127.0.0.1:{port}", "--strategies", "sync", "--items", "1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr + r.stdout
