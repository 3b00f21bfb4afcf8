"""A recording endpoint: a tiny HTTP server on 127.0.0.1 that logs, per request, the Host
header, the access key id of the SigV4 Authorization header, the operation and the tables
named in the body, then forwards the request to a real engine and returns its answer.

Used to check that every client reaches the endpoint, with the key, that the header names.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

_CRED = re.compile(r"Credential=([^/,\s]+)/")
_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


@dataclass(frozen=True)
class Seen:
    host: str
    key: str | None
    op: str
    tables: tuple[str, ...]


def _tables(op: str, body: bytes) -> tuple[str, ...]:
    try:
        d = json.loads(body or b"{}")
    except ValueError:
        return ()
    if "TableName" in d:
        return (d["TableName"],)
    if isinstance(d.get("RequestItems"), dict):
        return tuple(sorted(d["RequestItems"]))
    items = d.get("TransactItems") or []
    return tuple(sorted({next(iter(i.values())).get("TableName", "") for i in items if i}))


class RecordingEndpoint:
    def __init__(self, upstream: str) -> None:
        self.upstream = urlparse(upstream)
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                op = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                m = _CRED.search(self.headers.get("Authorization") or "")
                with outer._lock:
                    outer.seen.append(Seen(self.headers.get("Host") or "", m.group(1) if m else None,
                                           op, _tables(op, body)))
                conn = http.client.HTTPConnection(outer.upstream.hostname, outer.upstream.port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                    conn.request("POST", "/", body=body, headers=headers)
                    r = conn.getresponse()
                    data = r.read()
                    status, rh = r.status, r.getheaders()
                finally:
                    conn.close()
                self.send_response(status)
                for k, v in rh:
                    if k.lower() not in _HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RecordingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self) -> list[Seen]:
        with self._lock:
            out, self.seen = self.seen, []
        return out
