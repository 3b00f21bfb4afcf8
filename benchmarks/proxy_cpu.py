"""What the fault/latency proxy costs: its CPU per forwarded request, and throughput.

    .venv/bin/python benchmarks/proxy_cpu.py [--engine dynamodb-local|moto] [-n 4000] [-c 32]

Starts a local engine, runs `python -m ddbtui.local.proxy --target ENGINE --port P` in its
own process, and drives PutItems with a minimal aiohttp load generator (fixed dummy
signature: local engines do not verify it), so the client is not the bottleneck. For each
phase it prints requests/s, and the CPU (user+system, read with psutil) that the proxy
process, the engine and the load generator spent per request. Phases:

  direct               load generator -> engine
  proxy pass-through   -> proxy (no faults) -> engine
  proxy 20 ms latency  -> proxy (--latency-ms 20) -> engine   (CPU should not grow)
  proxy faults         -> proxy (throttle 5%, 500s 1%, drop-after 1%) -> engine
  proxy capacity model -> proxy (--capacity-model aws; on-demand table, nothing throttled:
                          the cost of parsing, modelling and settling each request)
  aiohttp reference    -> a plain aiohttp server+ClientSession proxy (what the stream
                          implementation replaced), same measurement
  direct (again, warm) the engine's JIT is warmer by now: compare engine figures with this

Also a sequential (c=1) median round trip direct vs through the pass-through proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import psutil  # noqa: E402

from ddbtui.local.engine import LocalEngine, free_port  # noqa: E402

HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=ddbtuilocal/20260101/us-east-1/dynamodb/aws4_request, "
                     "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00",
    "X-Amz-Date": "20260101T000000Z",
}
TABLE = "proxy_bench"


def cpu(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process and its children."""
    p = psutil.Process(pid)
    t = p.cpu_times()
    user, system = t.user, t.system
    for ch in p.children(recursive=True):
        try:
            ct = ch.cpu_times()
            user, system = user + ct.user, system + ct.system
        except psutil.NoSuchProcess:
            pass
    return user, system


async def call(session, url, op, body):
    async with session.post(url, data=body, headers={**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{op}"}) as r:
        data = await r.read()
        return r.status, data


async def setup_table(url):
    import aiohttp
    import json

    async with aiohttp.ClientSession() as s:
        await call(s, url, "CreateTable", json.dumps({
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}]}))
        for _ in range(100):
            st, data = await call(s, url, "DescribeTable", json.dumps({"TableName": TABLE}))
            if b'"ACTIVE"' in data:
                return
            await asyncio.sleep(0.1)


async def load(url: str, n: int, c: int, prefix: str) -> tuple[float, dict]:
    import aiohttp

    bodies = [('{"TableName":"%s","Item":{"user_id":{"S":"%s%d"},"balance":{"N":"100"}}}'
               % (TABLE, prefix, i)).encode() for i in range(n)]
    it = iter(bodies)
    statuses: dict = {}

    async def worker(s):
        for body in it:
            try:
                st, _ = await call(s, url, "PutItem", body)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                st = "dropped"
            statuses[st] = statuses.get(st, 0) + 1

    conn = aiohttp.TCPConnector(limit=c)
    async with aiohttp.ClientSession(connector=conn) as s:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(c)))
        return time.perf_counter() - t0, statuses


async def sequential_median(url: str, n: int = 200) -> float:
    import aiohttp

    async with aiohttp.ClientSession() as s:
        times = []
        for i in range(n):
            body = ('{"TableName":"%s","Key":{"user_id":{"S":"x%d"}}}' % (TABLE, i)).encode()
            t = time.perf_counter()
            await call(s, url, "GetItem", body)
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def start_proxy(target: str, extra: list[str], reference: bool = False) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if reference:
        cmd = [sys.executable, __file__, "--serve-aiohttp-reference", target, str(port)]
    else:
        cmd = [sys.executable, "-m", "ddbtui.local.proxy", "--target", target, "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "listening" not in line:
        proc.kill()
        raise SystemExit(f"proxy did not start: {line!r}")
    return proc, f"http://127.0.0.1:{port}"


def phase(name, url, n, c, pids, loop):
    before = {k: cpu(p) for k, p in pids.items()}
    me0 = time.process_time()
    wall, statuses = loop.run_until_complete(load(url, n, c, name.replace(" ", "_")))
    me = time.process_time() - me0
    after = {k: cpu(p) for k, p in pids.items()}
    per = {k: (sum(after[k]) - sum(before[k])) / n * 1e6 for k in pids}
    per["loadgen"] = me / n * 1e6
    cols = "  ".join(f"{k} {v:5.0f} µs" for k, v in per.items())
    if "proxy" in pids:
        u, sy = ((after["proxy"][i] - before["proxy"][i]) / n * 1e6 for i in (0, 1))
        cols += f"   (proxy user {u:.0f} + system {sy:.0f})"
    print(f"{name:<22} {n / wall:8.0f} req/s   CPU per request: {cols}   statuses {statuses}", flush=True)
    return n / wall, per


def serve_aiohttp_reference(target: str, port: int) -> None:
    """The obvious aiohttp implementation, for comparison only (no faults)."""
    from aiohttp import ClientSession, TCPConnector, web

    hop = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}

    async def handler(request):
        body = await request.read()
        hdrs = {k: v for k, v in request.headers.items() if k.lower() not in hop}
        hdrs["Host"] = request.headers.get("Host", "")
        async with app["s"].request(request.method, target + request.rel_url.raw_path_qs,
                                    data=body, headers=hdrs, auto_decompress=False) as r:
            data = await r.read()
            out = {k: v for k, v in r.headers.items() if k.lower() not in hop}
            return web.Response(status=r.status, body=data, headers=out)

    async def on_start(app):
        app["s"] = ClientSession(connector=TCPConnector(limit=0), skip_auto_headers=("User-Agent",))

    async def on_cleanup(app):
        await app["s"].close()

    app = web.Application()
    app.on_startup.append(on_start)
    app.on_cleanup.append(on_cleanup)
    app.router.add_route("*", "/{tail:.*}", handler)
    print("listening", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-aiohttp-reference":
        serve_aiohttp_reference(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="dynamodb-local", choices=("dynamodb-local", "moto"))
    ap.add_argument("-n", type=int, default=4000, help="requests per phase")
    ap.add_argument("-c", type=int, default=32, help="concurrent requests")
    args = ap.parse_args()

    eng = LocalEngine(engine=args.engine, in_memory=True).start()
    procs = []
    try:
        target = eng.endpoint_url
        loop = asyncio.new_event_loop()
        loop.run_until_complete(setup_table(target))
        print(f"{args.engine} at {target}; n={args.n} PutItems per phase, c={args.c}; "
              f"{os.cpu_count()} CPUs here (engine, proxy and load generator share them)\n", flush=True)
        loop.run_until_complete(load(target, min(2000, args.n), args.c, "warm"))  # JIT / pools warm
        epid = eng.proc.pid
        phase("direct", target, args.n, args.c, {"engine": epid}, loop)
        results = {}
        for name, extra, ref in [
            ("proxy pass-through", [], False),
            ("proxy 20 ms latency", ["--latency-ms", "20"], False),
            ("proxy faults", ["--throttle-rate", "0.05", "--error-rate", "0.01",
                              "--drop-after-rate", "0.01", "--fault-seed", "1"], False),
            ("proxy capacity model", ["--capacity-model", "aws"], False),
            ("aiohttp reference", [], True),
        ]:
            proc, url = start_proxy(target, extra, ref)
            procs.append(proc)
            loop.run_until_complete(load(url, 500, args.c, "pw"))  # warm the proxy's pools
            results[name] = phase(name, url, args.n, args.c, {"proxy": proc.pid, "engine": epid}, loop)
            if name == "proxy pass-through":
                d = loop.run_until_complete(sequential_median(target))
                p = loop.run_until_complete(sequential_median(url))
                print(f"{'':<22} sequential GetItem median: direct {d:.2f} ms, via proxy {p:.2f} ms "
                      f"(+{p - d:.2f} ms)", flush=True)
            proc.terminate()
            proc.wait(10)
        phase("direct (again, warm)", target, args.n, args.c, {"engine": epid}, loop)
        loop.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        eng.stop()


if __name__ == "__main__":
    main()
