"""Start-up: time from launching the TUI to its first frame, against a running local engine.

Each sample is a fresh interpreter (`python benchmarks/startup.py --child URL`) that
imports `ddbtui.ui.app`, builds `DdbApp(connection=<the engine's endpoint>, engine=None)`
— what `ddbtui --endpoint-url URL` does — and runs it headless (Textual lays out and
renders every frame, it only does not write to a terminal). Times, from the moment the
parent launches the process (so the interpreter's own start-up is included):
- first frame: the first refresh after the app mounted (`call_after_refresh` in on_mount)
- tables listed: the tables screen has shown ListTables' answer (boto3 imported and a
  first request answered, in a thread worker)
The median of --samples runs is reported; targets: first frame under 0.5 s, tables listed
under 1 s (the engine is already up here: that is 'after the engine answers').

Where imports cost, one more run under `python -X importtime` lists the top-level
imports with the largest cumulative time before the first frame.

    .venv/bin/python benchmarks/startup.py                       # starts DynamoDB Local
    .venv/bin/python benchmarks/startup.py --endpoint-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_S = 0.5  # first frame (#19)
TABLES_TARGET_S = 1.0  # tables listed, the engine already answering (#19)


def child(url: str, born: float) -> None:
    """`born`: the parent's time.time() just before it launched this process."""
    t_main = time.time()
    from ddbtui.config import Connection
    from ddbtui.ui import app as app_mod

    t_imported = time.time()
    marks: dict[str, float] = {}

    class Timed(app_mod.DdbApp):
        # CSS_PATH is relative to the defining module: keep pointing at the app's own file
        CSS_PATH = str(Path(app_mod.__file__).with_name("app.tcss"))

        def on_mount(self) -> None:  # Textual also calls DdbApp.on_mount (handlers run per class)
            marks["mounted"] = time.time()
            self.call_after_refresh(self._first_frame)
            self.set_interval(0.01, self._check_tables)

        def _first_frame(self) -> None:
            marks.setdefault("first_frame", time.time())

        def _check_tables(self) -> None:
            if "tables" in marks:
                return
            scr = self.screen
            if getattr(scr, "_loaded", False):
                marks["tables"] = time.time()
                self.exit()

    conn = Connection(region="us-east-1").with_endpoint(url, engine="dynamodb-local")
    app = Timed(connection=conn, engine=None)
    # hard stop if the tables never load
    import threading

    threading.Timer(30, lambda: app.call_from_thread(app.exit)).start()
    app.run(headless=True, size=(120, 40))
    out = {"interpreter_s": t_main - born, "imports_s": t_imported - born,
           "mounted_s": marks.get("mounted", float("nan")) - born,
           "first_frame_s": marks.get("first_frame", float("nan")) - born,
           "tables_s": marks.get("tables", float("nan")) - born}
    print(json.dumps(out), flush=True)
    os._exit(0)  # the 30 s timer thread must not keep us alive


def importtime(url: str, top: int = 12) -> list[tuple[str, float]]:
    """Top-level imports by cumulative time (ms) in one -X importtime run of the child."""
    p = subprocess.run([sys.executable, "-X", "importtime", str(Path(__file__).resolve()), "--child", url],
                       capture_output=True, text=True, timeout=120)
    rows = []
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth == 0:  # imported by the program itself, not from inside another package
            rows.append((name.strip(), int(parts[1]) / 1000.0))
    rows.sort(key=lambda r: -r[1])
    return rows[:top]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--born", type=float, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--endpoint-url", default=None)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.born or time.time())
        return 0
    sys.path.insert(0, str(HERE))
    from _common import emit_json, engine, machine_line, median

    print(f"start-up: fresh interpreter -> DdbApp first frame (headless, 120x40), {a.samples} samples")
    print(machine_line(), flush=True)
    ctx = engine() if not a.endpoint_url else None
    url = a.endpoint_url
    if ctx is not None:
        url, _ = ctx.__enter__()
    try:
        samples = []
        for i in range(a.samples + 1):
            born = time.time()
            p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url, "--born", repr(born)],
                               capture_output=True, text=True, timeout=120)
            if p.returncode != 0 or not p.stdout.strip():
                raise RuntimeError(f"child failed: {p.stderr[-1500:]}")
            d = json.loads(p.stdout.strip().splitlines()[-1])
            if i == 0:
                print(f"  warm-up (page cache, .pyc): first frame {d['first_frame_s']:.3f} s, not counted")
                continue
            samples.append(d)
            print(f"  sample {i}: interpreter {d['interpreter_s']:.3f} s, imports done {d['imports_s']:.3f} s, "
                  f"mounted {d['mounted_s']:.3f} s, first frame {d['first_frame_s']:.3f} s, "
                  f"tables listed {d['tables_s']:.3f} s", flush=True)
        top = importtime(url)
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    med = {k: median([s[k] for s in samples]) for k in samples[0]}
    met = med["first_frame_s"] < TARGET_S
    print(f"\nfirst frame: median {med['first_frame_s']:.3f} s (min {min(s['first_frame_s'] for s in samples):.3f}, "
          f"max {max(s['first_frame_s'] for s in samples):.3f}); target < {TARGET_S:.1f} s: {'met' if met else 'MISSED'}")
    print(f"  of which: interpreter start {med['interpreter_s']:.3f} s, import ddbtui.ui.app "
          f"{med['imports_s'] - med['interpreter_s']:.3f} s, mount {med['mounted_s'] - med['imports_s']:.3f} s, "
          f"first refresh {med['first_frame_s'] - med['mounted_s']:.3f} s")
    met_tables = med["tables_s"] < TABLES_TARGET_S
    print(f"tables listed (boto3 + ListTables in a worker): median {med['tables_s']:.3f} s; target < "
          f"{TABLES_TARGET_S:.1f} s: {'met' if met_tables else 'MISSED'}")
    print("  " + machine_line())
    print("top imports before exit, cumulative ms (python -X importtime, one run):")
    for name, ms in top:
        print(f"  {ms:8.1f}  {name}")
    emit_json(a.json, {"samples": samples, "median": med, "met": met, "target_s": TARGET_S,
                       "met_tables": met_tables, "tables_target_s": TABLES_TARGET_S, "machine": machine_line(),
                       "top_imports_ms": top})
    return 0


if __name__ == "__main__":
    sys.exit(main())
