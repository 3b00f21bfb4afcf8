"""`FaultProxy`: the asyncio server that forwards to the target and injects what its
`FaultConfig` says (decisions driven by the fault table, ddbtui.local.proxy.faults)."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from ddbtui.local.proxy import http
from ddbtui.local.proxy.capacity import MODELLED_OPS, CapacityModel, Charge, Throttle, item_size, read_units
from ddbtui.local.proxy.faults import FAULTS, FaultConfig, FaultKind, counters, error_body

__all__ = ["FaultProxy", "RESET_PATH", "STATS_PATH"]

STATS_PATH = b"/__ddbtui/stats"
RESET_PATH = b"/__ddbtui/reset"
_MAX_IDLE = 256
_DESCRIBE_EVERY = 1.0  # s: re-read a modelled table's DescribeTable (capacity changes take effect)


class _Upstream:
    """One keep-alive connection to the target."""

    __slots__ = ("reader", "writer", "reused")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


class _UpstreamError(Exception):
    pass


Forwarded = tuple[bytes, http.Headers, dict[bytes, bytes], bytes]


class FaultProxy:
    """The proxy. `await start()`, use `.url`, `await stop()`; or `async with`."""

    def __init__(self, target_url: str, config: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, *, upstream_timeout: float = 120.0) -> None:
        u = urlparse(target_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"the proxy target {target_url!r} is not an http(s) URL like http://127.0.0.1:8000.")
        if u.path not in ("", "/") or u.query:
            raise ValueError(f"the proxy target {target_url!r} must be a bare endpoint with no path or query.")
        self.target_url = target_url.rstrip("/")
        self._t_host = u.hostname
        self._t_port = u.port or (443 if u.scheme == "https" else 80)
        self._t_ssl = ssl.create_default_context() if u.scheme == "https" else None
        self.config = config or FaultConfig()
        self.host = host
        self.port = port
        self.upstream_timeout = upstream_timeout
        self._server: asyncio.Server | None = None
        self._idle: list[_Upstream] = []
        self._clients: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()
        self._counts: dict[str, Any] = {}
        self._since = time.time()
        self._fault_rng = random.Random()
        self._jitter_rng = random.Random()
        self.capacity: CapacityModel | None = (CapacityModel(self.config.time_scale)
                                               if self.config.capacity_model == "aws" else None)
        self._described: dict[str, float] = {}  # table -> monotonic time of its last DescribeTable
        self._describing: dict[str, asyncio.Task[None]] = {}
        self._reset_state()

    # ---- lifecycle
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}"

    async def start(self) -> FaultProxy:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle_client, self.host, self.port,
                                                      reuse_address=True, backlog=1024)
            self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for w in list(self._clients):
            w.close()
        while self._idle:
            self._idle.pop().close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 2)
        except Exception:
            pass
        self._server = None

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- counters
    def _reset_state(self) -> None:
        seed = self.config.seed
        with self._lock:
            self._fault_rng = random.Random(seed)
            self._jitter_rng = random.Random(None if seed is None else seed ^ 0x5EED)
            self._counts = {"requests": 0, "forwarded": 0, "faultable": 0, "delayed": 0,
                            "delay_ms_total": 0.0, "upstream_errors": 0,
                            "unprocessed_items": 0, "injected": dict.fromkeys(counters(), 0),
                            "by_op": {}}
            self._since = time.time()
            if self.capacity is not None:  # counters only: the buckets keep their levels
                self.capacity.throttled = {}
                self.capacity.admitted = 0
                self.capacity.refused_decreases = 0

    def reset(self) -> None:
        """Zero the counters and restart the seeded generators (the fault sequence replays)."""
        self._reset_state()

    def stats(self) -> dict[str, Any]:
        """A snapshot: requests, forwarded (and by_op), injected faults by kind, config."""
        with self._lock:
            c = self._counts
            snap = dict(c)
            snap["injected"] = dict(c["injected"])
            snap["by_op"] = dict(c["by_op"])
            snap["injected_total"] = sum(snap["injected"].values())
            snap["since"] = self._since
            if self.capacity is not None:
                snap["capacity"] = self.capacity.snapshot(time.monotonic(), time.time())
        snap["target"] = self.target_url
        snap["config"] = self.config.to_dict()
        return snap

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def _inject(self, kind: FaultKind) -> None:
        with self._lock:
            inj = self._counts["injected"]
            inj[kind.counter] = inj.get(kind.counter, 0) + 1

    # ---- decisions
    def _decide(self, op: str | None) -> tuple[FaultKind | None, float]:
        """(fault kind or None, delay seconds) for one request."""
        cfg = self.config
        with self._lock:
            delay = cfg.latency_ms
            if cfg.jitter_ms:
                delay += self._jitter_rng.uniform(-cfg.jitter_ms, cfg.jitter_ms)
            kind: FaultKind | None = None
            if cfg.faults(op) and cfg.any_fault:
                self._counts["faultable"] += 1
                u = self._fault_rng.random()
                acc = 0.0
                for k, rate in cfg.exclusive():
                    acc += rate
                    if u < acc:
                        kind = k
                        break
                if kind is None and op == "BatchWriteItem":
                    # separate draw, only for BatchWriteItem requests, so replay holds
                    for k in FAULTS:
                        if k.action == "unprocessed" and cfg.value(k) and self._fault_rng.random() < cfg.value(k):
                            kind = k
            if delay > 0:
                self._counts["delayed"] += 1
                self._counts["delay_ms_total"] += delay
        return kind, max(0.0, delay) / 1000.0

    def _split_batch(self, body: bytes) -> tuple[bytes, dict[str, list[Any]]] | None:
        """Pick items to hold back from a BatchWriteItem: (forwarded body, unprocessed)."""
        try:
            req = json.loads(body)
            items = req["RequestItems"]
            flat = [(t, r) for t, reqs in items.items() for r in reqs]
        except Exception:
            return None  # let the target reject a malformed request itself
        n = len(flat)
        if n < 2 or n > 25:
            return None
        with self._lock:
            k = self._fault_rng.randint(1, n - 1)
            held = set(self._fault_rng.sample(range(n), k))
        fwd: dict[str, list[Any]] = {}
        unp: dict[str, list[Any]] = {}
        for i, (t, r) in enumerate(flat):
            (unp if i in held else fwd).setdefault(t, []).append(r)
        req["RequestItems"] = fwd
        return json.dumps(req, separators=(",", ":")).encode(), unp

    # ---- upstream
    async def _acquire(self) -> _Upstream:
        while self._idle:
            up = self._idle.pop()
            if not up.reader.at_eof() and not up.writer.is_closing():
                up.reused = True
                return up
            up.close()
        try:
            r, w = await asyncio.open_connection(self._t_host, self._t_port, ssl=self._t_ssl,
                                                 server_hostname=self._t_host if self._t_ssl else None)
        except OSError as e:
            raise _UpstreamError(f"cannot connect to {self.target_url}: {e}") from None
        return _Upstream(r, w)

    def _release(self, up: _Upstream) -> None:
        if len(self._idle) < _MAX_IDLE and self._server is not None:
            up.reused = False
            self._idle.append(up)
        else:
            up.close()

    async def _forward(self, method: bytes, target: bytes, headers: http.Headers, body: bytes) -> Forwarded:
        """Send one request to the target; (status line, headers, index, body)."""
        req = method + b" " + target + b" HTTP/1.1\r\n" + http.build_headers(headers, len(body)) + body
        for attempt in (0, 1):
            up = await self._acquire()
            got_bytes = False
            try:
                async with asyncio.timeout(self.upstream_timeout):
                    up.writer.write(req)
                    await up.writer.drain()
                    while True:
                        status, rh, ri = await http.read_head(up.reader)
                        got_bytes = True
                        code = status[9:12]
                        if not code.startswith(b"1"):
                            break
                    if method == b"HEAD" or code in (b"204", b"304"):
                        rbody = b""
                    elif b"content-length" in ri or b"transfer-encoding" in ri:
                        rbody = await http.read_body(up.reader, ri)
                    else:
                        rbody = await up.reader.read()  # until close
                        ri[b"connection"] = b"close"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    TimeoutError, http.BadRequest) as e:
                up.close()
                # A pooled connection the target had closed: nothing was processed; retry once.
                if attempt == 0 and up.reused and not got_bytes and not isinstance(e, TimeoutError):
                    continue
                raise _UpstreamError(f"{self.target_url} failed: {type(e).__name__}: {e}") from None
            if b"close" in ri.get(b"connection", b"").lower() or status.startswith(b"HTTP/1.0"):
                up.close()
            else:
                self._release(up)
            return status, rh, ri, rbody
        raise AssertionError("unreachable")

    # ---- one client connection
    async def _handle_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while True:
                try:
                    start, headers, index = await http.read_head(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                parts = start.split(b" ")
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                    writer.write(http.simple_response(400, b"bad request line", [], True))
                    return
                method, target, version = parts
                if index.get(b"expect", b"").lower() == b"100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await http.read_body(reader, index)
                conn_hdr = index.get(b"connection", b"").lower()
                close = b"close" in conn_hdr or (version == b"HTTP/1.0" and b"keep-alive" not in conn_hdr)
                if target.startswith(b"/__ddbtui/"):
                    writer.write(self._control(method, target, close))
                else:
                    out = await self._handle_request(method, target, headers, index, body, close)
                    if out is None:  # injected drop
                        writer.transport.abort()
                        return
                    writer.write(out)
                await writer.drain()
                if close:
                    return
        except (http.BadRequest, asyncio.LimitOverrunError, ValueError) as e:
            try:
                writer.write(http.simple_response(400, str(e).encode(), [], True))
            except Exception:
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(writer)
            try:
                writer.close()
            except Exception:
                pass

    def _control(self, method: bytes, target: bytes, close: bool) -> bytes:
        path = target.split(b"?", 1)[0]
        hdrs = [(b"Content-Type", b"application/json")]
        if path == STATS_PATH and method == b"GET":
            return http.simple_response(200, json.dumps(self.stats()).encode(), hdrs, close)
        if path == RESET_PATH and method == b"POST":
            self.reset()
            return http.simple_response(200, b'{"reset":true}', hdrs, close)
        if path in (STATS_PATH, RESET_PATH):
            return http.simple_response(405, b'{"message":"GET /__ddbtui/stats, POST /__ddbtui/reset"}',
                                        hdrs, close)
        return http.simple_response(404, b'{"message":"unknown ddbtui proxy path"}', hdrs, close)

    async def _handle_request(self, method: bytes, target: bytes, headers: http.Headers,
                              index: dict[bytes, bytes], body: bytes, close: bool) -> bytes | None:
        """The bytes to answer with, or None to drop the client connection."""
        amz = index.get(b"x-amz-target")
        op = amz.rpartition(b".")[2].decode("ascii", "replace") if amz else None
        with self._lock:
            self._counts["requests"] += 1
        kind, delay = self._decide(op)
        if delay:
            await asyncio.sleep(delay)
        if kind is not None and kind.action == "drop":
            self._inject(kind)
            return None
        if kind is not None and kind.action == "error" and kind.error is not None:
            self._inject(kind)
            eb = error_body(kind.counter)
            return http.simple_response(kind.error[0], eb, http.aws_headers(eb), close)
        model_req = None
        decrease: str | None = None  # an UpdateTable lowering this table's capacity
        held: dict[str, list[Any]] | None = None
        charges: list[Charge] = []
        if self.capacity is not None and op is not None:
            if op in MODELLED_OPS:
                modelled = await self._admit(op, body, headers)
                if isinstance(modelled, Throttle):
                    tb = modelled.body()
                    return http.simple_response(400, tb, http.aws_headers(tb), close)
                if modelled is not None:
                    model_req, body, held, charges = modelled
            elif op == "UpdateTable":
                refusal, decrease = await self._update_table(body, headers)
                if refusal is not None:
                    return http.simple_response(400, refusal, http.aws_headers(refusal), close)
            elif op in ("DeleteTable", "CreateTable"):
                self._forget_table(op, body)
        unprocessed = held
        if kind is not None and kind.action == "unprocessed" and held is None:
            split = self._split_batch(body)
            if split is None:
                kind = None
            else:
                body, unprocessed = split
        try:
            status, rh, ri, rbody = await self._forward(method, target, headers, body)
        except _UpstreamError as e:
            self._count("upstream_errors")
            eb = json.dumps({"__type": "ddbtui.proxy#TargetUnreachable",
                             "message": f"The ddbtui proxy could not reach its target: {e}"}).encode()
            return http.simple_response(502, eb, [(b"Content-Type", http.JSON_CT)], True)
        with self._lock:
            self._counts["forwarded"] += 1
            by_op = self._counts["by_op"]
            key = op or method.decode()
            by_op[key] = by_op.get(key, 0) + 1
        if kind is not None and kind.action == "drop_after":
            self._inject(kind)
            return None
        if decrease is not None and status[9:12] == b"200" and self.capacity is not None:
            with self._lock:
                self.capacity.record_decrease(decrease, time.time())
        if (self.capacity is not None and op in ("DescribeTable", "UpdateTable") and status[9:12] == b"200"
                and self.capacity.tables):
            rbody, rh = self._report_decreases(rbody, rh, ri)
        if model_req is not None and status[9:12] == b"200":
            rbody, rh = self._settle(op or "", model_req, charges, rbody, rh, ri, held)
        elif model_req is not None:  # the engine refused it (validation, condition...): nothing consumed
            self._refund(charges)
        elif kind is not None and unprocessed is not None and status[9:12] == b"200":
            rbody = self._merge_unprocessed(rbody, ri, unprocessed)
            rh = [(k, v) for k, v in rh if k.lower() not in (b"x-amz-crc32", b"content-encoding")]
            rh.append((b"x-amz-crc32", b"%d" % zlib.crc32(rbody)))
            self._inject(kind)
            self._count("unprocessed_items", sum(len(v) for v in unprocessed.values()))
        return (status + b"\r\n" + http.build_headers(rh, len(rbody), b"Connection: close\r\n" if close else b"")
                + rbody)

    # ---- the capacity model (--capacity-model aws)
    def _forget_table(self, op: str, body: bytes) -> None:
        try:
            name = json.loads(body).get("TableName")
        except ValueError:
            return
        if isinstance(name, str):
            self._described.pop(name, None)  # re-described before its next modelled request
            if op != "UpdateTable" and self.capacity is not None:
                with self._lock:  # a new table with this name starts with fresh buckets
                    self.capacity.tables.pop(name, None)

    async def _update_table(self, body: bytes, headers: http.Headers) -> tuple[bytes | None, str | None]:
        """(refusal body, table name when this UpdateTable is a capacity decrease). The table is
        described first, so its current capacity is known; the daily decrease limit refuses it
        before it reaches the engine (ServiceQuotas.html "Decreasing provisioned throughput")."""
        assert self.capacity is not None
        try:
            req = json.loads(body)
        except ValueError:
            return None, None
        name = req.get("TableName") if isinstance(req, dict) else None
        if not isinstance(name, str):
            return None, None
        await self._ensure_tables({name}, headers)
        self._described.pop(name, None)  # re-described before its next modelled request
        with self._lock:
            if not self.capacity.is_decrease(req):
                return None, None
            return self.capacity.decrease_refusal(name, time.time()), name

    def _report_decreases(self, rbody: bytes, rh: http.Headers, ri: dict[bytes, bytes]) -> tuple[bytes, http.Headers]:
        """DescribeTable / UpdateTable answers carry the modelled NumberOfDecreasesToday and
        LastDecreaseDateTime (DynamoDB Local always says 0 and 1970)."""
        assert self.capacity is not None
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            rbody = gzip.decompress(rbody)
        try:
            resp = json.loads(rbody)
            desc = resp.get("Table") or resp.get("TableDescription")
            name = desc["TableName"]
            pt = desc["ProvisionedThroughput"]
        except (ValueError, KeyError, TypeError, AttributeError):
            return rbody, rh
        wall = time.time()
        with self._lock:
            today = self.capacity.decreases_today(name, wall) if name in self.capacity.tables else []
        if not isinstance(pt, dict) or not today:
            return rbody, rh
        pt["NumberOfDecreasesToday"] = len(today)
        pt["LastDecreaseDateTime"] = round(today[-1], 3)
        out = json.dumps(resp, separators=(",", ":")).encode()
        rh = [(k, v) for k, v in rh if k.lower() not in (b"x-amz-crc32", b"content-encoding")]
        rh.append((b"x-amz-crc32", b"%d" % zlib.crc32(out)))
        return out, rh

    async def _describe(self, name: str, headers: http.Headers) -> None:
        keep = {b"authorization", b"x-amz-date", b"x-amz-security-token", b"host"}
        hdrs = [(k, v) for k, v in headers if k.lower() in keep]
        hdrs += [(b"Content-Type", http.JSON_CT), (b"X-Amz-Target", b"DynamoDB_20120810.DescribeTable")]
        try:
            status, _, ri, rbody = await self._forward(b"POST", b"/", hdrs, json.dumps({"TableName": name}).encode())
        except _UpstreamError:
            return
        self._described[name] = time.monotonic()
        if status[9:12] != b"200" or self.capacity is None:
            return
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            rbody = gzip.decompress(rbody)
        try:
            desc = json.loads(rbody)
        except ValueError:
            return
        with self._lock:
            self.capacity.set_table(desc, time.monotonic())

    async def _ensure_tables(self, names: set[str], headers: http.Headers) -> None:
        now = time.monotonic()
        for n in names:
            if now - self._described.get(n, -1e9) < _DESCRIBE_EVERY:
                continue
            task = self._describing.get(n)
            if task is None:
                task = asyncio.ensure_future(self._describe(n, headers))
                self._describing[n] = task
                task.add_done_callback(self._described_cb(n))
            await task

    def _described_cb(self, name: str) -> Callable[[asyncio.Task[None]], None]:
        def done(_t: asyncio.Task[None]) -> None:
            self._describing.pop(name, None)
        return done

    async def _admit(self, op: str, body: bytes, headers: http.Headers
                     ) -> Throttle | tuple[dict[str, Any], bytes, dict[str, list[Any]] | None, list[Charge]] | None:
        """Throttle, or (request, body to forward, items held back, charges taken); None when
        the request is not modelled (malformed, or for an unknown table)."""
        assert self.capacity is not None
        try:
            req = json.loads(body)
        except ValueError:
            return None
        if not isinstance(req, dict):
            return None
        names = _table_names(op, req)
        await self._ensure_tables(names, headers)
        model = self.capacity
        held: dict[str, list[Any]] | None = None
        fwd = dict(req)
        now = time.monotonic()
        with self._lock:
            if op == "BatchWriteItem":
                # per item: what fits is forwarded, the rest comes back in UnprocessedItems
                # (all throttled = the exception), as DynamoDB does for a batch
                kept: dict[str, list[Any]] = {}
                first: Throttle | None = None
                taken: list[Charge] = []
                for t, reqs in (req.get("RequestItems") or {}).items():
                    for r in reqs:
                        (c,) = model.charges(op, {"RequestItems": {t: [r]}})
                        th = model.check([c], now)
                        if th is None:
                            kept.setdefault(t, []).append(r)
                            taken.append(c)
                        else:
                            first = first or th
                            held = held or {}
                            held.setdefault(t, []).append(r)
                if not kept and first is not None:
                    return first
                fwd["RequestItems"] = kept
                charges = taken
            else:
                charges = model.charges(op, req)
                th = model.check(charges, now)
                if th is not None:
                    return th
        fwd["ReturnConsumedCapacity"] = "INDEXES"  # the engine's own figures settle the charge
        return req, json.dumps(fwd, separators=(",", ":")).encode(), held, charges

    def _refund(self, charges: list[Charge]) -> None:
        assert self.capacity is not None
        now = time.monotonic()
        with self._lock:
            for c in charges:
                self.capacity.consume(Charge(c.table, -c.units, c.write, c.key,
                                             {n: -u for n, u in c.index_units.items()}), now)

    def _settle(self, op: str, req: dict[str, Any], charges: list[Charge], rbody: bytes,
                rh: http.Headers, ri: dict[bytes, bytes], held: dict[str, list[Any]] | None
                ) -> tuple[bytes, http.Headers]:
        """Charge the engine's ConsumedCapacity (or the model's figure from the response's
        item sizes) instead of the estimate; give the client what it asked for."""
        assert self.capacity is not None
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            rbody = gzip.decompress(rbody)
        try:
            resp = json.loads(rbody or b"{}")
        except ValueError:
            return rbody, rh
        estimated: dict[str, Charge] = {}
        for c in charges:
            e = estimated.setdefault(c.table, Charge(c.table, 0.0, c.write, c.key))
            e.units += c.units
            if e.key != c.key:
                e.key = None
            for n, u in c.index_units.items():
                e.index_units[n] = e.index_units.get(n, 0.0) + u
        cc = resp.get("ConsumedCapacity")
        ccs = cc if isinstance(cc, list) else [cc] if isinstance(cc, dict) else []
        actual: dict[str, tuple[float, dict[str, float]]] = {}
        for x in ccs:
            total = float(x.get("CapacityUnits") or 0)
            gsis = {n: float(v.get("CapacityUnits") or 0) for n, v in (x.get("GlobalSecondaryIndexes") or {}).items()}
            table = float((x.get("Table") or {}).get("CapacityUnits", total - sum(gsis.values())))
            actual[x.get("TableName", "")] = (table, gsis)
        if not actual and op in ("GetItem", "Query", "Scan"):  # an engine without ConsumedCapacity
            items = [resp["Item"]] if isinstance(resp.get("Item"), dict) else resp.get("Items") or []
            size = sum(item_size(i) for i in items)
            units = (sum(read_units(item_size(i), bool(req.get("ConsistentRead"))) for i in items) or
                     read_units(0, bool(req.get("ConsistentRead")))) if op == "GetItem" else \
                read_units(size, bool(req.get("ConsistentRead")))
            actual[req.get("TableName", "")] = (units, {})
        now = time.monotonic()
        with self._lock:
            for t, e in estimated.items():
                if t not in actual:
                    continue
                units, gsis = actual[t]
                diff = Charge(t, units - e.units, e.write, e.key,
                              {n: gsis.get(n, 0.0) - e.index_units.get(n, 0.0)
                               for n in set(gsis) | set(e.index_units)})
                self.capacity.consume(diff, now)
        asked = str(req.get("ReturnConsumedCapacity") or "NONE").upper()
        if asked == "NONE":
            resp.pop("ConsumedCapacity", None)
        elif asked == "TOTAL":
            for x in ccs:
                for k in ("Table", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                    x.pop(k, None)
        if held:
            unp = resp.get("UnprocessedItems") or {}
            for t, reqs in held.items():
                unp.setdefault(t, []).extend(reqs)
            resp["UnprocessedItems"] = unp
        out = json.dumps(resp, separators=(",", ":")).encode()
        rh = [(k, v) for k, v in rh if k.lower() not in (b"x-amz-crc32", b"content-encoding")]
        rh.append((b"x-amz-crc32", b"%d" % zlib.crc32(out)))
        return out, rh

    @staticmethod
    def _merge_unprocessed(rbody: bytes, ri: dict[bytes, bytes], held: dict[str, list[Any]]) -> bytes:
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            rbody = gzip.decompress(rbody)
        resp = json.loads(rbody or b"{}")
        unp = resp.get("UnprocessedItems") or {}
        for t, reqs in held.items():
            unp.setdefault(t, []).extend(reqs)
        resp["UnprocessedItems"] = unp
        return json.dumps(resp, separators=(",", ":")).encode()


def _table_names(op: str, req: dict[str, Any]) -> set[str]:
    if op in ("BatchGetItem", "BatchWriteItem"):
        return set((req.get("RequestItems") or {}).keys())
    if op in ("TransactWriteItems", "TransactGetItems"):
        return {x["TableName"] for a in req.get("TransactItems") or [] for x in a.values()
                if isinstance(x, dict) and isinstance(x.get("TableName"), str)}
    name = req.get("TableName")
    return {name} if isinstance(name, str) else set()
