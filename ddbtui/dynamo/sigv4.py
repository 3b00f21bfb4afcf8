"""AWS Signature Version 4, by hand (hashlib + hmac only).

Two layers:

- `SigV4Signer`: the general algorithm (any method, path, query, header set, service).
  It passes the official AWS SigV4 test suite (tests/data/aws4_testsuite) and matches
  `botocore.auth.SigV4Auth` header-for-header (same unsigned-header list, same host rule,
  same path normalisation, same whitespace trimming).
- `DynamoDBSigner`: the fast path for DynamoDB's JSON protocol (always `POST /`, headers
  content-type;host;x-amz-date[;x-amz-security-token];x-amz-target). Everything that does
  not depend on the body is precomputed: the canonical-request prefix per second, the
  header lines per target, the credential scope, the signing key per (secret, date). A
  request costs one SHA-256 of the body, one of the canonical request and one HMAC.

The signing key is derived once per (secret, date, region, service) and reused
(`SigningKeyCache`). Session tokens are sent as X-Amz-Security-Token and signed (as AWS
services, and botocore, expect); `sign_token=False` reproduces the suite's
"post-sts-header-after" variant (token added after signing).

No third-party imports: this module is also imported by worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Headers never signed (botocore's SIGNED_HEADERS_BLACKLIST, plus authorization itself):
# proxies and HTTP stacks may add or rewrite them.
UNSIGNED_HEADERS = frozenset({"authorization", "expect", "transfer-encoding", "user-agent",
                              "x-amzn-trace-id"})
DYNAMODB_CONTENT_TYPE = "application/x-amz-json-1.0"
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."

_sha256 = hashlib.sha256
_hmac_digest = hmac.digest


# ------------------------------------------------------------------------ primitives
def amz_date(epoch: float | None = None) -> str:
    """`YYYYMMDDTHHMMSSZ` (UTC) for an epoch time (now when None)."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if epoch is None else epoch))


def derive_signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")."""
    k = _hmac_digest(("AWS4" + secret_key).encode("utf-8"), datestamp.encode("utf-8"), "sha256")
    k = _hmac_digest(k, region.encode("utf-8"), "sha256")
    k = _hmac_digest(k, service.encode("utf-8"), "sha256")
    return _hmac_digest(k, b"aws4_request", "sha256")


class SigningKeyCache:
    """Signing keys by (secret, date, region, service): one derivation per day per secret.

    Bounded (keys roll daily and credentials rotate); not shared across instances so
    secrets do not outlive the client that used them.
    """

    __slots__ = ("_keys", "_max", "derivations")

    def __init__(self, max_entries: int = 16):
        self._keys: dict[tuple[str, str, str, str], bytes] = {}
        self._max = max_entries
        self.derivations = 0  # for tests: how many keys were actually derived

    def get(self, secret_key: str, datestamp: str, region: str, service: str) -> bytes:
        k = (secret_key, datestamp, region, service)
        key = self._keys.get(k)
        if key is None:
            if len(self._keys) >= self._max:
                self._keys.clear()
            key = self._keys[k] = derive_signing_key(secret_key, datestamp, region, service)
            self.derivations += 1
        return key


def uri_encode(s: str, *, safe: str = "-_.~") -> str:
    """RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ (and `safe`) stay as they are."""
    return quote(s, safe=safe)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 plus AWS's rule that consecutive slashes collapse (not for S3)."""
    if not path:
        return "/"
    out: list[str] = []
    for seg in path.split("/"):
        if not seg or seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
        else:
            out.append(seg)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


def canonical_uri(path: str, *, normalize: bool = True) -> str:
    """The canonical URI for a path as it appears in the request line.

    Non-S3 services: normalise, then percent-encode once more (so an already-encoded `%20`
    is signed as `%2520`, the "double encoding" AWS specifies and botocore does).
    """
    if normalize:
        path = remove_dot_segments(path)
    return quote(path or "/", safe="/~")


def canonical_query(query: str | Iterable[tuple[str, str]] | None) -> str:
    """Sorted `key=value` pairs joined by `&`, each side RFC 3986-encoded.

    A string is a raw query string (decoded first, so `%E1%88%B4` and a literal `ሴ` sign
    the same); an iterable holds decoded (key, value) pairs. Repeated keys sort by value.
    """
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    if isinstance(query, str):
        for part in query.split("&"):
            if not part:
                continue
            k, _, v = part.partition("=")
            pairs.append((uri_encode(unquote(k)), uri_encode(unquote(v))))
    else:
        for k, v in query:
            pairs.append((uri_encode(str(k)), uri_encode(str(v))))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def trim_header_value(value: str) -> str:
    """Trimall: strip, and collapse runs of whitespace (incl. folded lines) to one space."""
    return " ".join(value.split())


def host_from_url(url: str) -> str:
    """The Host header value for a URL: lowercase, port only when not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def _header_items(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers]


def canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(canonical header block without the trailing blank line, signed-headers list).

    Names lowercase and sorted; repeated names join their trimmed values with `,` in the
    order given; UNSIGNED_HEADERS are left out.
    """
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        lname = name.strip().lower()
        if lname in UNSIGNED_HEADERS:
            continue
        grouped.setdefault(lname, []).append(trim_header_value(value))
    names = sorted(grouped)
    block = "\n".join(f"{n}:{','.join(grouped[n])}" for n in names)
    return block, ";".join(names)


def credential_scope(datestamp: str, region: str, service: str) -> str:
    return f"{datestamp}/{region}/{service}/aws4_request"


def string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    digest = _sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


@dataclass(frozen=True)
class Signed:
    """Everything a signature was made of, for tests and debugging."""

    canonical_request: str
    string_to_sign: str
    signature: str
    authorization: str
    signed_headers: str
    headers: dict[str, str]  # to add to (replace in) the request: X-Amz-Date, token, Authorization


def _creds(credentials: Any) -> tuple[str, str, str | None]:
    """(access, secret, token) from a tuple or a botocore (Refreshable)Credentials."""
    if isinstance(credentials, tuple):
        if len(credentials) == 2:
            return credentials[0], credentials[1], None
        return credentials[0], credentials[1], credentials[2] or None
    get = getattr(credentials, "get_frozen_credentials", None)
    if get is not None:  # refreshes refreshable credentials when they are about to expire
        f = get()
        return f.access_key, f.secret_key, f.token or None
    return credentials.access_key, credentials.secret_key, getattr(credentials, "token", None) or None


# ---------------------------------------------------------------------- general signer
class SigV4Signer:
    """General SigV4 header signing for one (region, service)."""

    def __init__(self, region: str, service: str, *, key_cache: SigningKeyCache | None = None):
        self.region = region
        self.service = service
        self.keys = key_cache or SigningKeyCache()

    def sign_parts(self, method: str, url: str, headers: Any = None, body: bytes | str = b"", *,
                   credentials: Any, timestamp: str | None = None, sign_token: bool = True,
                   normalize_path: bool = True, payload_hash: str | None = None) -> Signed:
        """Sign a request; `url` is scheme://host[:port]/path[?query] as sent.

        `headers` (mapping or list of pairs; repeated names allowed) are signed as given,
        minus UNSIGNED_HEADERS; Host is derived from the URL unless given; X-Amz-Date (and
        the session token, when `sign_token`) replace any value already present.
        """
        access, secret, token = _creds(credentials)
        ts = timestamp or amz_date()
        datestamp = ts[:8]
        parts = urlsplit(url)
        drop = {"x-amz-date", "authorization"}
        if token:
            drop.add("x-amz-security-token")
        items = [(k, v) for k, v in _header_items(headers) if k.strip().lower() not in drop]
        if not any(k.strip().lower() == "host" for k, _ in items):
            items.append(("host", host_from_url(url)))
        items.append(("X-Amz-Date", ts))
        if token and sign_token:
            items.append(("X-Amz-Security-Token", token))
        block, signed = canonical_headers(items)
        if payload_hash is None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            payload_hash = _sha256(body).hexdigest() if body else EMPTY_SHA256
        creq = "\n".join((method.upper(), canonical_uri(parts.path, normalize=normalize_path),
                          canonical_query(parts.query), block + "\n", signed, payload_hash))
        scope = credential_scope(datestamp, self.region, self.service)
        sts = string_to_sign(ts, scope, creq)
        key = self.keys.get(secret, datestamp, self.region, self.service)
        sig = _hmac_digest(key, sts.encode("utf-8"), "sha256").hex()
        authz = f"{ALGORITHM} Credential={access}/{scope}, SignedHeaders={signed}, Signature={sig}"
        out = {"X-Amz-Date": ts}
        if token:
            out["X-Amz-Security-Token"] = token
        out["Authorization"] = authz
        return Signed(creq, sts, sig, authz, signed, out)

    def sign(self, method: str, url: str, headers: Any = None, body: bytes | str = b"", *,
             credentials: Any, timestamp: str | None = None, sign_token: bool = True) -> dict[str, str]:
        """The headers to add to the request (X-Amz-Date, X-Amz-Security-Token, Authorization)."""
        return self.sign_parts(method, url, headers, body, credentials=credentials,
                               timestamp=timestamp, sign_token=sign_token).headers


# ------------------------------------------------------------------ DynamoDB fast path
class DynamoDBSigner:
    """SigV4 for DynamoDB JSON requests (`POST /`), with per-request work cut to the minimum.

    Per client: host, canonical path and header prefix. Per second: the timestamp. Per
    (credentials, day): signing key, Authorization prefix and scope. Per operation: the
    X-Amz-Target line. Per request: SHA-256 of the body, SHA-256 of the canonical request,
    one HMAC, and the header dict.

    `headers(operation, body, credentials)` returns the complete header dict to send:
    Content-Type, X-Amz-Target, X-Amz-Date, [X-Amz-Security-Token,] Authorization. Host is
    signed as `host` (derived from the endpoint like botocore does) and set by the HTTP
    client from the same URL.
    """

    SERVICE = "dynamodb"

    def __init__(self, region: str, endpoint_url: str | None = None, *,
                 key_cache: SigningKeyCache | None = None, clock: Callable[[], float] = time.time):
        self.region = region
        self.endpoint_url = (endpoint_url or f"https://dynamodb.{region}.amazonaws.com").rstrip("/")
        self.host = host_from_url(self.endpoint_url)
        self.keys = key_cache or SigningKeyCache()
        self.clock = clock
        self._scope_tail = f"/{region}/{self.SERVICE}/aws4_request"
        # requests go to endpoint_url + "/" (a path prefix, as some proxies use, is kept)
        self.path = urlsplit(self.endpoint_url).path.rstrip("/") + "/"
        self._head = (f"POST\n{canonical_uri(self.path)}\n\ncontent-type:{DYNAMODB_CONTENT_TYPE}\n"
                      f"host:{self.host}\nx-amz-date:")
        # per second: (epoch_second, amz_date, datestamp)
        self._sec = -1
        self._ts = ""
        self._date = ""
        # per (access, secret, token, datestamp): (key, auth prefix, creq token line, sts prefix)
        self._cred_key: tuple[Any, ...] | None = None
        self._cred_val: tuple[Any, ...] | None = None
        self._targets: dict[str, tuple[str, str]] = {}

    def _target(self, operation: str) -> tuple[str, str]:
        t = self._targets.get(operation)
        if t is None:
            full = operation if "." in operation else DYNAMODB_TARGET_PREFIX + operation
            t = self._targets[operation] = (full, f"x-amz-target:{full}\n\n")
        return t

    def _now(self) -> None:
        now = self.clock()
        sec = int(now)
        if sec != self._sec:
            self._ts = amz_date(sec)
            self._date = self._ts[:8]
            self._sec = sec

    def headers(self, operation: str, body: bytes, credentials: Any, *,
                timestamp: str | None = None) -> dict[str, str]:
        if timestamp is None:
            self._now()
            ts, datestamp = self._ts, self._date
        else:
            ts, datestamp = timestamp, timestamp[:8]
        access, secret, token = _creds(credentials)
        ck = (access, secret, token, datestamp)
        if ck != self._cred_key:
            key = self.keys.get(secret, datestamp, self.region, self.SERVICE)
            signed = ("content-type;host;x-amz-date;x-amz-security-token;x-amz-target" if token
                      else "content-type;host;x-amz-date;x-amz-target")
            scope = datestamp + self._scope_tail
            self._cred_val = (
                key,
                f"{ALGORITHM} Credential={access}/{scope}, SignedHeaders={signed}, Signature=",
                f"x-amz-security-token:{token}\n" if token else "",
                f"\n{scope}\n",
                f"{signed}\n",
            )
            self._cred_key = ck
        key, auth_prefix, token_line, scope_mid, signed_line = self._cred_val  # type: ignore[misc]
        full_target, target_line = self._target(operation)
        creq = (self._head + ts + "\n" + token_line + target_line + signed_line
                + _sha256(body).hexdigest())
        sts = ALGORITHM + "\n" + ts + scope_mid + _sha256(creq.encode()).hexdigest()
        h = {
            "Content-Type": DYNAMODB_CONTENT_TYPE,
            "X-Amz-Target": full_target,
            "X-Amz-Date": ts,
            "Authorization": auth_prefix + _hmac_digest(key, sts.encode(), "sha256").hex(),
        }
        if token:
            h["X-Amz-Security-Token"] = token
        return h
