"""No child outlives its parent: local engine, fault proxy, bench engine, workers.

For each start mode (a plain child process as in a terminal pane, the child of an
interactive shell `bash -i -c`, `nohup`) and each of SIGKILL, SIGTERM, SIGINT, SIGHUP sent
to the parent, every descendant recorded while it ran must be gone afterwards. The four
signals of one start mode run side by side to keep this fast. The 10 s wait is a hang
guard, not a measurement (benchmarks/lifecycle.py prints the times; the target is < 2 s).

Failed before: yes -- the fault proxy process had no way to notice its parent's death
(it stayed forever after SIGKILL), and the bench engine's watchdog waited 3 s + poll.
`ddbtui bench` on SIGTERM: failed before (main process, engine and workers alive 35-65 s).
"""

from __future__ import annotations

import json
import shutil
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARD = 10.0  # seconds: hang guard only
SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP]

pytestmark = pytest.mark.dynamodb_local


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _launch(mode: str, endpoint: str, extra: list[str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tests.integration.lifecycle_driver", endpoint, *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if mode == "bash -i -c":
        cmd = ["bash", "-i", "-c", " ".join(cmd) + "; true"]  # `; true`: bash stays the parent
    elif mode == "nohup":
        cmd = ["nohup", *cmd]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True)


def _ready(p: subprocess.Popen) -> dict:
    line = ""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not line.startswith("READY "):
        line = p.stdout.readline()
        if not line and p.poll() is not None:
            pytest.fail(f"the driver exited early ({p.returncode})")
    assert line.startswith("READY "), line
    return json.loads(line[6:])


def _wait_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + GUARD
    left = {p for p in pids if _alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {p for p in left if _alive(p)}
    return left


# every signal for a plain child; the shell modes add what differs for them: SIGKILL (the
# reported leftover proxy under an interactive shell) and SIGHUP (ignored under nohup)
MODES = {"pane": SIGNALS, "bash -i -c": [signal.SIGKILL, signal.SIGHUP],
         "nohup": [signal.SIGKILL, signal.SIGHUP]}


@pytest.mark.parametrize("mode", list(MODES))
def test_children_die_with_their_parent(mode, dynamodb_local_engine):
    # the local engine and worker processes where they matter most, to keep this fast
    def extra(sig: int) -> list[str]:
        return ((["--with-engine"] if mode == "pane" and sig in (signal.SIGKILL, signal.SIGTERM) else [])
                + (["--workers"] if sig == signal.SIGKILL else []))

    procs = {sig: _launch(mode, dynamodb_local_engine.endpoint_url, extra(sig)) for sig in MODES[mode]}
    try:
        infos = {sig: _ready(p) for sig, p in procs.items()}
        trees = {}
        for sig, info in infos.items():
            parent = psutil.Process(info["pid"])
            kids = {k.pid for k in parent.children(recursive=True)}
            assert info["engine"] in kids and info["proxy"] in kids
            if "--with-engine" in extra(sig):
                assert info["local_engine"] in kids
            if "--workers" in extra(sig):
                assert len(kids) >= 3, kids  # engine, its worker, proxy (+ resource tracker)
            trees[sig] = (info["pid"], kids)
        for sig, (pid, _) in trees.items():
            os.kill(pid, sig)
        for sig, (pid, kids) in trees.items():
            if mode == "nohup" and sig == signal.SIGHUP:
                # nohup: the parent ignores SIGHUP and lives on, so do its children
                assert _alive(pid) and all(_alive(k) for k in kids)
                os.kill(pid, signal.SIGKILL)
            left = _wait_gone({pid} | kids)
            assert not left, f"{signal.Signals(sig).name}: left behind " + ", ".join(
                f"{p} {' '.join(psutil.Process(p).cmdline()[:4])}" for p in left if _alive(p))
    finally:
        for p in procs.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(10)


def test_bench_cli_sigterm_saves_partial_result_and_exits_143(dynamodb_local_engine, tmp_path):
    out = tmp_path / "partial.json"
    p = subprocess.Popen([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url",
                          dynamodb_local_engine.endpoint_url, "--strategies", "processes",
                          "--processes", "1", "--items", "200000", "--concurrency", "2",
                          "--latency-ms", "2", "--plain", "--json", str(out), "--no-save"],
                         cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline and "items/s" not in line:
            line = p.stdout.readline()
            if not line and p.poll() is not None:
                pytest.fail(f"ddbtui bench ended early: {p.stderr.read()}")
        kids = {k.pid for k in psutil.Process(p.pid).children(recursive=True)}
        assert len(kids) >= 3, kids  # engine, worker, proxy
        os.kill(p.pid, signal.SIGTERM)
        rc = p.wait(GUARD)
        err = p.stderr.read()
        assert rc == 143, err
        doc = json.loads(out.read_text())
        assert doc["complete"] is False and doc["stopped_by"] == "SIGTERM"
        assert not _wait_gone(kids)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (a terminal for the TUI)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_tui_from_an_interactive_shell_leaves_no_engine(sig, tmp_path):
    """The TUI in a terminal pane, started from `bash -i -c`, with the local engine it
    starts (moto: quick to start); killed by `sig`: the engine goes with it."""
    session = f"ddbtui-life-{os.getpid()}-{sig}"
    env = f"PYTHONPATH={ROOT} DDBTUI_DATA_DIR={tmp_path}"
    cmd = f"bash -i -c 'cd {ROOT} && {env} {sys.executable} -m ddbtui --engine moto; sleep 30'"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd], check=True)
    try:
        deadline = time.monotonic() + 90
        tui = engine = None
        while time.monotonic() < deadline and engine is None:
            time.sleep(0.2)
            for p in psutil.process_iter(["cmdline"]):
                cl = p.info["cmdline"] or []
                if cl[-3:] == ["-m", "ddbtui", "--engine"] or cl[-4:-1] == ["-m", "ddbtui", "--engine"]:
                    tui = p
            if tui is not None:
                kids = [k for k in tui.children() if "moto.server" in " ".join(k.cmdline())]
                engine = kids[0] if kids else None
        assert tui is not None and engine is not None, "the TUI and its engine did not start"
        os.kill(tui.pid, sig)
        assert not _wait_gone({tui.pid, engine.pid})
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
