"""The fault/latency proxy in its own process (`python -m ddbtui.local.proxy`), for the TUI:
its CPU then counts neither against the UI nor against the engine being measured."""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading

from ddbtui.bench.proc import close_lifeline, lifeline_popen
from ddbtui.local.proxy import FaultConfig

_URL = re.compile(r"listening on (http://\S+)")


class ProxyProcess:
    def __init__(self, target_url: str, config: FaultConfig):
        self.target_url = target_url
        self.config = config
        self.url: str | None = None
        self._p: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._p.pid if self._p else None

    def args(self) -> list[str]:
        """Every field of the FaultConfig, derived from the proxy's own option table (so no
        field is dropped between the form/CLI and the proxy)."""
        from ddbtui.local.proxy import _OPT_FIELDS

        c = self.config
        out = ["--target", self.target_url, "--port", "0"]
        for opt, fld in _OPT_FIELDS.items():
            v = getattr(c, fld, None)
            if v:
                out += ["--" + opt.replace("_", "-"), f"{v:g}" if isinstance(v, float) else str(v)]
        if c.seed is not None:
            out += ["--fault-seed", str(c.seed)]
        if c.only_targets:
            out += ["--fault-ops", ",".join(sorted(c.only_targets))]
        if c.all_ops:
            out += ["--fault-all-ops"]
        return out

    def start(self, timeout: float = 15.0) -> "ProxyProcess":
        self._err = tempfile.TemporaryFile(mode="w+")
        # lifeline: the proxy exits as soon as this process dies, however it dies
        self._p = lifeline_popen("ddbtui.local.proxy", self.args(),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=self._err, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._p.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        m = _URL.search(line[0]) if line else None
        if m is None:
            err = ""
            if self._p.poll() is not None:
                self._err.seek(0)
                err = (self._err.read() or "").strip().splitlines()[-1:]
                err = err[0] if err else ""
            self.stop()
            raise RuntimeError(f"the fault proxy did not start{': ' + err if err else ' in time'}")
        self.url = m.group(1)
        return self

    def stop(self) -> None:
        p = self._p
        if p is None or p.poll() is not None:
            if p is not None:
                close_lifeline(p)
            return
        p.terminate()
        try:
            p.wait(2)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(2)
        finally:
            close_lifeline(p)
            self._err.close()
