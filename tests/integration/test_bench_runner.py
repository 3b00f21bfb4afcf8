"""The RunHandle API: snapshots stream, cancel stops everything fast, nothing is left behind."""

import time

import psutil
import pytest

from ddbtui.bench.runner import Settings, Snapshot, start_run


def _wait_for(handle, pred, timeout=60.0):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for s in handle.poll():
            seen.append(s)
            if pred(s):
                return seen
        if handle.done:
            break
        time.sleep(0.05)
    raise AssertionError(f"condition not met; last snapshots: {seen[-3:]}")


def test_run_streams_snapshots_and_result(dynamodb_local_engine):
    from tests.conftest import connection_for

    conn = connection_for(dynamodb_local_engine)
    h = start_run(Settings(strategies=["aiohttp", "sync"], items=300, concurrency=4, repeat=2), conn)
    snaps = []
    while not h.done:
        snaps.extend(h.poll())
        time.sleep(0.05)
    snaps.extend(h.poll())
    doc = h.join(10)
    assert doc["complete"] and doc["error"] is None
    assert len(doc["runs"]) == 4 and len(h.runs) == 4
    assert all(isinstance(s, Snapshot) for s in snaps)
    kinds = {s.kind for s in snaps}
    assert {"phase", "progress", "run", "done"} <= kinds
    prog = [s for s in snaps if s.kind == "progress" and s.done]
    assert prog and all(0 < s.done <= s.total == 300 for s in prog)
    assert prog[-1].p99_ms is not None and prog[-1].strategies == 2 and prog[-1].repeats == 2
    # histogram deltas add up to every request recorded
    from ddbtui.bench.stats import decode_histogram

    for run in doc["runs"]:
        total = sum(decode_histogram(s.hist_delta).get_total_count() for s in snaps
                    if s.strategy == run["strategy"] and s.repeat == run["repeat"] and s.hist_delta)
        assert total == run["requests"]
    assert len(doc["summary"]) == 2 and doc["summary"][0]["wall_stdev_s"] is not None
    assert doc["comparisons"][0]["ratio_stdev"] is not None
    assert h.pid not in [c.pid for c in psutil.Process().children(recursive=True)]


@pytest.mark.parametrize("strategy", ["processes", "threads"])
def test_cancel_stops_fast_and_leaves_no_process(moto_engine, strategy):
    from tests.conftest import connection_for

    conn = connection_for(moto_engine)  # moto: ~300 writes/s, so 100k items take minutes
    h = start_run(Settings(strategies=[strategy, "sync"], items=100_000, concurrency=8, processes=2,
                           workload="wallets"), conn)
    engine_pid = h.pid
    _wait_for(h, lambda s: s.kind == "progress" and s.done > 20)
    kids = psutil.Process(engine_pid).children(recursive=True)
    h.cancel()
    # Behaviour, not a duration: the cancel ends the run (generous deadline for a loaded box;
    # without the cancel 100k moto writes take minutes) and the result says it is incomplete.
    doc = h.join(60)
    assert doc is not None, "the run did not end within 60 s of the cancel"
    assert doc["complete"] is False
    (run,) = doc["runs"]  # the second strategy never started
    assert run["strategy"] == strategy and run["complete"] is False
    assert 20 < run["ok"] < 100_000
    assert run["verification"].startswith("skipped")
    # wait for the processes to be gone (condition with a deadline, not a fixed sleep)
    _, alive = psutil.wait_procs([*kids, *([psutil.Process(engine_pid)] if psutil.pid_exists(engine_pid) else [])],
                                 timeout=30)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, alive
    assert engine_pid not in [c.pid for c in psutil.Process().children(recursive=True)]
