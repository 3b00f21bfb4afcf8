"""The fault/latency proxy in its own process (`python -m ddbtui.local.proxy`), for the TUI:
its CPU then counts neither against the UI nor against the engine being measured.

The FaultConfig travels whole, serialized (`--config-json`), never re-spelled as flags: a
field added to the fault table reaches the proxy with no edit here."""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
from typing import IO

from ddbtui.bench.proc import close_lifeline, lifeline_popen
from ddbtui.local.proxy import FaultConfig

_URL = re.compile(r"listening on (http://\S+)")


class ProxyProcess:
    def __init__(self, config: FaultConfig, target_url: str) -> None:
        if not isinstance(config, FaultConfig):
            raise TypeError(f"ProxyProcess(config: FaultConfig, target_url: str), got a {type(config).__name__} "
                            "first")
        self.config = config
        self.target_url = target_url
        self.url: str | None = None
        self._p: subprocess.Popen[str] | None = None
        self._err: IO[str] | None = None

    @property
    def pid(self) -> int | None:
        return self._p.pid if self._p else None

    def args(self) -> list[str]:
        return ["--target", self.target_url, "--port", "0", "--config-json", self.config.to_json()]

    def start(self, timeout: float = 15.0) -> ProxyProcess:
        err = self._err = tempfile.TemporaryFile(mode="w+")
        # lifeline: the proxy exits as soon as this process dies, however it dies
        p = self._p = lifeline_popen("ddbtui.local.proxy", self.args(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=err, text=True)
        line: list[str] = []
        out = p.stdout
        assert out is not None
        reader = threading.Thread(target=lambda: line.append(out.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        m = _URL.search(line[0]) if line else None
        if m is None:
            why = ""
            if p.poll() is not None:
                err.seek(0)
                last = (err.read() or "").strip().splitlines()[-1:]
                why = last[0] if last else ""
            self.stop()
            raise RuntimeError(f"the fault proxy did not start{': ' + why if why else ' in time'}")
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
            if self._err is not None:
                self._err.close()
