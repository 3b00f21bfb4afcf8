"""The typed engine -> UI contract (#13): enums for kinds/phases, Snapshot round trips, a
LiveModel with ready-to-draw series that the console progress reads too, and a UI that
uses only RunHandle's / LiveModel's public API."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from ddbtui.bench import events, results
from ddbtui.bench.events import MessageKind, Phase, RunState, Snapshot, SnapKind
from ddbtui.bench.live import LiveModel
from ddbtui.bench.report import PlainProgress

ROOT = Path(__file__).resolve().parents[2]


def snap(kind, phase, strategy="sync", t=0.0, **kw) -> Snapshot:
    return Snapshot(kind=kind, t=t, strategy=strategy, index=0 if strategy == "sync" else 1,
                    strategies=2, repeat=1, repeats=1, phase=phase, **kw)


def test_snapshot_round_trip_is_plain_json_and_typed_again():
    s = snap(SnapKind.PROGRESS, Phase.WRITING, done=5, total=10, ok=5, p50_ms=1.5, p99_ms=3.0)
    d = s.to_dict()
    assert d["kind"] == "progress" and type(d["kind"]) is str and type(d["phase"]) is str
    back = Snapshot.from_dict(json.loads(json.dumps(d)))
    assert back == s and back.kind is SnapKind.PROGRESS and back.phase is Phase.WRITING
    assert Phase.WRITING == "writing" and f"{Phase.VERIFYING}" == "verifying"  # StrEnum: the string
    # a phase a newer engine invents stays readable
    assert Snapshot.from_dict({**d, "phase": "warming"}).phase == "warming"


def test_one_schema_version():
    assert results.SCHEMA == events.SCHEMA and events.SCHEMA in events.SCHEMAS
    assert {m.value for m in MessageKind} == {"snap", "run", "result", "error"}


def test_live_model_series_ready_to_draw():
    m = LiveModel(["sync", "aiohttp"], items=10)
    batch = [snap(SnapKind.PHASE, Phase.SETUP, message="creating table t")]
    for i in range(1, 6):
        batch.append(snap(SnapKind.PROGRESS, Phase.WRITING, t=i * 0.25, done=i, total=10, ok=i,
                          p50_ms=1.0 * i, p99_ms=2.0 * i, interval_items_per_s=40.0, items_per_s=40.0))
    assert m.feed(batch)
    lat = m.latency_series(points=60)
    assert set(lat) == {"sync"} and lat["sync"]["i"] == 0
    assert len(lat["sync"]["t"]) == len(lat["sync"]["p50"]) == len(lat["sync"]["p99"]) >= 1
    thr = m.throughput_series()
    assert thr["sync"]["items_per_s"] and all(v == 40.0 for v in thr["sync"]["items_per_s"])
    assert m.histogram_series() == {}  # no hist_delta fed
    assert m.by["sync"].state is RunState.RUNNING and m.current_strategy is m.by["sync"]
    assert not m.add_runs([]) and m.add_runs([{"strategy": "sync", "attempted": 10}]) and m.runs_seen == 1


def test_plain_progress_reads_the_live_model():
    """Every phase line is printed even when several phases arrive in one poll."""
    m = LiveModel(["sync"], items=10)
    out = io.StringIO()
    p = PlainProgress(out, every=0.0)
    m.feed([snap(SnapKind.PHASE, Phase.SETUP, message="creating table t"),
            snap(SnapKind.PROGRESS, Phase.WRITING, t=0.5, done=4, total=10, ok=4, items_per_s=8.0, p99_ms=2.0),
            snap(SnapKind.PHASE, Phase.VERIFYING, message="counting items in t")])
    p.update(m)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["[sync 1/1] creating table t", "[sync 1/1] counting items in t"]
    m.feed([snap(SnapKind.PROGRESS, Phase.WRITING, t=1.0, done=6, total=10, ok=6, items_per_s=6.0, p99_ms=2.0)])
    p.update(m)
    assert out.getvalue().splitlines()[-1].startswith("[sync 1/1] 6/10 items, 6 items/s")


def test_ui_uses_only_public_run_api():
    """Failed before: yes -- ui/screens/bench.py read RunHandle._finished, RunHandle._p and
    LiveModel._runs_seen."""
    private = re.compile(r"\.(_finished|_p|_q|_runs_seen|_pending|_cancel)\b")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "ddbtui" / "ui").rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if private.search(line) and ("handle" in line or "model" in line or re.search(r"\bh\.", line))]
    assert not offenders, offenders
