"""A minimal HTTP/1.1 reader/writer on asyncio streams (what the proxy needs, no more):
request/response heads, Content-Length and chunked bodies, hop-by-hop header re-framing,
and DynamoDB-shaped response headers."""

from __future__ import annotations

import asyncio
import base64
import os
import time
import zlib
from collections.abc import Iterable

__all__ = ["BadRequest", "Head", "JSON_CT", "aws_headers", "build_headers", "read_body", "read_head",
           "request_id", "simple_response"]

JSON_CT = b"application/x-amz-json-1.0"
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed",
           500: b"Internal Server Error", 502: b"Bad Gateway", 503: b"Service Unavailable"}
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding",
                        b"te", b"trailer", b"upgrade", b"content-length", b"expect"})

Headers = list[tuple[bytes, bytes]]
Head = tuple[bytes, Headers, dict[bytes, bytes]]  # start line, headers in order, lower-case index


class BadRequest(Exception):
    pass


async def read_head(reader: asyncio.StreamReader) -> Head:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    headers: Headers = []
    index: dict[bytes, bytes] = {}
    for line in lines[1:]:
        k, sep, v = line.partition(b":")
        if not sep:
            raise BadRequest(f"malformed header line {line[:80]!r}")
        k = k.strip()
        v = v.strip()
        headers.append((k, v))
        index[k.lower()] = v
    return lines[0], headers, index


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest("bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def read_body(reader: asyncio.StreamReader, index: dict[bytes, bytes]) -> bytes:
    if b"chunked" in index.get(b"transfer-encoding", b"").lower():
        return await _read_chunked(reader)
    cl = index.get(b"content-length")
    if cl is None:
        return b""
    try:
        n = int(cl)
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    return await reader.readexactly(n) if n else b""


def build_headers(headers: Iterable[tuple[bytes, bytes]], body_len: int, extra: bytes = b"") -> bytes:
    out = [k + b": " + v + b"\r\n" for k, v in headers if k.lower() not in HOP_BY_HOP]
    out.append(b"Content-Length: %d\r\n" % body_len)
    if extra:
        out.append(extra)
    out.append(b"\r\n")
    return b"".join(out)


def simple_response(status: int, body: bytes, headers: Headers, close: bool) -> bytes:
    line = b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, b"Error"))
    return line + build_headers(headers, len(body), b"Connection: close\r\n" if close else b"") + body


def request_id() -> bytes:
    # DynamoDB request ids are 52 characters of [A-Z0-9].
    return base64.b32encode(os.urandom(35))[:52]


def aws_headers(body: bytes) -> Headers:
    return [(b"Server", b"Server"),
            (b"Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()).encode()),
            (b"Content-Type", JSON_CT),
            (b"x-amzn-RequestId", request_id()),
            (b"x-amz-crc32", b"%d" % zlib.crc32(body))]
