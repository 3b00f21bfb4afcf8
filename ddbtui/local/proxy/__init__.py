"""A fault and latency proxy in front of a DynamoDB endpoint (no textual, no aiohttp).

Local engines answer in ~1 ms and never throttle; real DynamoDB answers in 5-100 ms,
throttles, fails now and then, and sometimes applies a write whose answer never arrives.
`FaultProxy` sits between a client and a target endpoint and makes that happen locally,
reproducibly (seeded), so retry paths and idempotency can be exercised and measured::

    client --HTTP--> FaultProxy (127.0.0.1:P) --HTTP(S), keep-alive pool--> target

What it injects (see `FaultConfig`): added latency with uniform jitter, HTTP 400
`ProvisionedThroughputExceededException`, HTTP 400 `ThrottlingException`, HTTP 500
`InternalServerError` (all in DynamoDB's exact wire format, so botocore parses the right
error codes), a dropped connection *before* forwarding (nothing applied), a dropped
connection *after* the target applied the request (the nasty case for idempotency), and
partial BatchWriteItem: only some items are forwarded, the rest come back in
`UnprocessedItems` exactly as DynamoDB shapes them.

Which requests are faulted: by default only data-plane operations (`DATA_PLANE_OPS`:
item reads/writes, batches, transactions, PartiQL) so a harness can create, describe and
delete tables reliably; `FaultConfig.only_targets` narrows or changes that set and
`FaultConfig.all_ops` faults everything. Latency applies to every forwarded request (real
AWS is slow for control-plane calls too). Fault decisions come from `random.Random(seed)`
drawn once per *faultable* request, so a sequential client sees the same fault sequence on
every run with the same seed, however many DescribeTable polls the setup needed; jitter
has its own generator. `reset()` (or `POST /__ddbtui/reset`) zeroes the counters and
restarts both generators, so each benchmark run after a reset replays the same faults.

Signatures and the Host header: a SigV4 client signs for the host it connects to, i.e.
the proxy's `127.0.0.1:P`. The proxy forwards every request header unchanged, Host
included (only hop-by-hop headers such as Connection and Transfer-Encoding are re-framed),
and forwards the body unchanged except for a BatchWriteItem it splits. Rewriting Host to
the target's would break the signature; keeping it means a target that verifies SigV4
against its own name (real AWS) rejects the requests. So: the proxy is for local engines
(DynamoDB Local, moto, dynalite do not verify signatures) or other signature-less targets.
Any http(s) URL is accepted as a target, because the user chose it, but expect
`InvalidSignatureException` from real AWS.

Counters (`stats()`, also served as JSON at `GET /__ddbtui/stats` for another process,
e.g. `fetch_stats(url)`) count requests, forwarded requests (by operation), and every
injected fault by kind. The implementation is plain asyncio streams with a minimal
HTTP/1.1 parser: cheaper per request than an aiohttp server plus client (see
benchmarks/proxy_cpu.py for the measured CPU per request).

Run it standalone: ``python -m ddbtui.local.proxy --target http://127.0.0.1:8000
--port 8001 --latency-ms 20 --throttle-rate 0.05``.

The package: `faults` (ONE table of fault kinds, `FaultConfig` derived from it), `http`
(HTTP/1.1 parsing), `server` (`FaultProxy`), `host` (`ProxyThread`, `run_proxy_forever`,
the stats client), `capacity` (the AWS capacity model, `--capacity-model aws`), `cli`
(options derived from the table, `main`). The public names stay importable from here.
"""

from __future__ import annotations

from ddbtui.local.proxy.cli import add_proxy_arguments, fault_config_from_args
from ddbtui.local.proxy.faults import DATA_PLANE_OPS, FAULT_KINDS, FAULTS, FaultConfig, FaultKind, error_body
from ddbtui.local.proxy.host import ProxyThread, fetch_stats, reset_stats, run_proxy_forever
from ddbtui.local.proxy.server import FaultProxy

__all__ = [
    "DATA_PLANE_OPS", "FAULTS", "FAULT_KINDS", "FaultConfig", "FaultKind", "FaultProxy", "ProxyThread",
    "add_proxy_arguments", "error_body", "fault_config_from_args", "fetch_stats", "reset_stats",
    "run_proxy_forever",
]
