"""Hosting a FaultProxy: on its own event loop in a daemon thread (`ProxyThread`, for sync
code and tests), in the foreground until a signal (`run_proxy_forever`, the CLI), and the
stats/reset client for a proxy running in another process."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from ddbtui.local.proxy.faults import FaultConfig
from ddbtui.local.proxy.server import RESET_PATH, STATS_PATH, FaultProxy

__all__ = ["ProxyThread", "fetch_stats", "reset_stats", "run_proxy_forever"]


class ProxyThread:
    """A FaultProxy on its own event loop in a daemon thread (for sync code and tests)."""

    def __init__(self, target_url: str, config: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.proxy = FaultProxy(target_url, config, host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.proxy.url

    def stats(self) -> dict[str, Any]:
        return self.proxy.stats()

    def reset(self) -> None:
        self.proxy.reset()  # thread-safe: counters and generators are swapped under a lock

    def start(self, timeout: float = 10.0) -> ProxyThread:
        """Start; returns once the proxy is listening."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="ddbtui-fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the fault proxy did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.proxy.start())
        except BaseException as e:  # e.g. port in use
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(self.proxy.stop())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            loop.close()

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> ProxyThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def fetch_stats(proxy_url: str, timeout: float = 5.0) -> dict[str, Any]:
    """Counters of a proxy running anywhere (e.g. another process), via GET /__ddbtui/stats."""
    with urllib.request.urlopen(proxy_url.rstrip("/") + STATS_PATH.decode(), timeout=timeout) as r:
        out: dict[str, Any] = json.loads(r.read())
    return out


def reset_stats(proxy_url: str, timeout: float = 5.0) -> None:
    """POST /__ddbtui/reset on a proxy running anywhere."""
    req = urllib.request.Request(proxy_url.rstrip("/") + RESET_PATH.decode(), data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        r.read()


def run_proxy_forever(target: str, config: FaultConfig | None = None, port: int = 0,
                      host: str = "127.0.0.1", *, announce: Callable[[str], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM (the CLI's `ddbtui proxy`). Prints one line once listening."""
    say = announce or (lambda s: print(s, flush=True))
    cfg = config or FaultConfig()

    async def main() -> None:
        proxy = FaultProxy(target, cfg, host, port)
        await proxy.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        say(f"ddbtui proxy listening on {proxy.url} -> {target} ({cfg.describe()}); "
            f"stats at {proxy.url}{STATS_PATH.decode()}")
        try:
            await stop.wait()
        finally:
            await proxy.stop()

    asyncio.run(main())
