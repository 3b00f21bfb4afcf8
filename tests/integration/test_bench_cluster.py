"""`ddbtui bench --cluster` (#17): a LocalCluster of 2 worker processes on loopback against
DynamoDB Local. One cluster per module (start-up is the slow part); small item counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import psutil
import pytest

from ddbtui.bench.cluster import ClusterSpec, parse_cluster, run_cluster_benchmark, shard_ranges
from ddbtui.bench.runner import Settings
from ddbtui.bench.stats import decode_histogram
from tests.conftest import connection_for

pytestmark = pytest.mark.dynamodb_local


def test_shard_ranges_disjoint_and_cover() -> None:
    for items, n in ((10, 3), (2, 5), (1000, 2), (0, 2)):
        r = shard_ranges(items, n)
        assert len(r) == n and r[0][0] == 0 and r[-1][1] == items
        assert all(a[1] == b[0] for a, b in zip(r, r[1:]))
        assert max(b - a for a, b in r) - min(b - a for a, b in r) <= 1


def test_parse_cluster_sentences() -> None:
    assert parse_cluster("local:2") == ClusterSpec(local_workers=2)
    assert parse_cluster("tcp://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"
    for bad in ("local:0", "local:x", "127.0.0.1:8786", "tcp://host"):
        with pytest.raises(ValueError, match="--cluster"):
            parse_cluster(bad)


def test_two_workers_write_all_items_and_merge_exactly(dynamodb_local_engine) -> None:
    conn = connection_for(dynamodb_local_engine)
    s = Settings(strategies=["sync", "aiohttp"], items=300, concurrency=4)
    doc = run_cluster_benchmark(s, conn, ClusterSpec(local_workers=2))
    assert doc["error"] is None and doc["complete"], [(r["error"], r["cluster"]["shards"]) for r in doc["runs"]]
    assert len(doc["cluster"]["workers"]) == 2
    assert all(w["host"] == "127.0.0.1" for w in doc["cluster"]["workers"])
    assert [r["strategy"] for r in doc["runs"]] == ["sync", "aiohttp"]
    for run in doc["runs"]:
        shards = run["cluster"]["shards"]
        assert len(shards) == 2 and len({sh["pid"] for sh in shards}) == 2  # two processes
        assert [(sh["start"], sh["stop"]) for sh in shards] == [(0, 150), (150, 300)]
        assert run["ok"] == 300 and run["verified"] == 300 and run["lost"] == 0 and run["missing"] == 0
        # the merged result is the sum of the shards' own counts and histograms
        for k in ("ok", "requests", "failed", "retries"):
            assert run[k] == sum(sh["counts"][k] for sh in shards), k
        assert all(sh["ok_received"] == sh["counts"]["ok"] for sh in shards)
        merged = decode_histogram(run["histogram"]).get_total_count()
        assert merged == run["requests"] == sum(sh["requests_in_histogram"] for sh in shards)
        assert run["latency_ms"]["count"] == merged


def test_worker_killed_mid_run_marks_its_shard_incomplete(dynamodb_local_engine) -> None:
    conn = connection_for(dynamodb_local_engine)
    # engines other tests of this session started (a shared moto server) are not this run's
    before = {c.pid for c in psutil.Process().children(recursive=True)}
    # the kill comes at the first progress (>= 1 item of ~3000 in its shard written): the
    # other shard runs to its end, the lost one must not keep the run waiting
    s = Settings(strategies=["sync"], items=6000, concurrency=4)
    pids: dict[str, int] = {}
    killed: list[int] = []
    stop = threading.Event()

    def on_client(client) -> None:
        pids.update(client.run(os.getpid))

    def emit(kind, payload) -> None:
        if kind == "snap" and payload.get("kind") == "progress" and payload.get("ok", 0) > 0 and not killed:
            addr = sorted(pids)[0]
            killed.append(pids[addr])
            os.kill(pids[addr], signal.SIGKILL)

    doc = run_cluster_benchmark(s, conn, ClusterSpec(local_workers=2), emit=emit, stop=stop, on_client=on_client)
    assert killed, "the run finished before a worker could be killed"
    run = doc["runs"][0]
    assert not run["complete"] and not doc["complete"] and not stop.is_set()
    assert run["cluster"]["shards"][1]["complete"] and run["lost"] == 0, (run["error"], run["cluster"]["shards"])
    shard0 = run["cluster"]["shards"][0]
    assert shard0["complete"] is False and shard0.get("lost_worker")
    assert "was lost mid-run: shard 0" in run["error"]
    # no process left behind: the killed worker, the other worker and the nannies are gone
    for pid in list(pids.values()):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    left = [c.cmdline() for c in psutil.Process().children(recursive=True) if c.pid not in before
            and c.is_running() and c.status() != psutil.STATUS_ZOMBIE and "java" not in c.name()
            and "resource_tracker" not in " ".join(c.cmdline())]
    assert not left


def test_bench_without_cluster_imports_no_dask() -> None:
    code = ("import sys; from ddbtui.bench import cli; p = cli.build_parser(); p.parse_args([]); "
            "import ddbtui.bench.session, ddbtui.bench.runner; "
            "print([m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_local_cluster_stderr_has_no_distributed_info_lines(dynamodb_local_engine, tmp_path) -> None:
    """#17 item 4: a `--cluster local:2` run prints our report, not distributed's INFO log."""
    conn = connection_for(dynamodb_local_engine)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "DDBTUI_CONFIG_DIR": str(tmp_path / "cfg")}
    r = subprocess.run([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url", conn.endpoint_url,
                        "--strategies", "sync", "--items", "20", "--no-save", "--cluster", "local:2"],
                       capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    noisy = [line for line in r.stderr.splitlines()
             if "distributed." in line or " - INFO - " in line or "INFO" in line.split()[:3]]
    assert not noisy, r.stderr


def test_cancel_mid_run_stops_every_worker_and_the_table_stops_growing(dynamodb_local_engine) -> None:
    """#17 item 2: the stop Ctrl+C / Esc set, mid-run on local:2: the run returns (generous deadline,
    no timing assertion), every worker process is gone and the kept table does not grow after."""
    import time

    from ddbtui.dynamo.clients import client_for
    from ddbtui.dynamo.tables import count_items, delete_table

    conn = connection_for(dynamodb_local_engine)
    s = Settings(strategies=["sync"], items=200_000, concurrency=4, keep_table=True)
    pids: dict[str, int] = {}
    stop = threading.Event()

    def on_client(client) -> None:
        pids.update(client.run(os.getpid))

    def emit(kind, payload) -> None:
        if kind == "snap" and payload.get("kind") == "progress" and payload.get("ok", 0) > 0:
            stop.set()

    out: list[dict] = []
    t = threading.Thread(target=lambda: out.append(run_cluster_benchmark(
        s, conn, ClusterSpec(local_workers=2), emit=emit, stop=stop, on_client=on_client)), daemon=True)
    t.start()
    t.join(120)
    assert not t.is_alive(), "the cancelled cluster run did not return within 120 s"
    doc = out[0]
    run = doc["runs"][0]
    assert stop.is_set() and not doc["complete"] and len(pids) == 2
    for pid in pids.values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    admin = client_for(conn)
    try:
        first = count_items(admin, run["table"])
        time.sleep(1.0)
        assert count_items(admin, run["table"]) == first < 200_000
    finally:
        delete_table(admin, run["table"])
