"""The official AWS SigV4 test suite against ddbtui.dynamo.sigv4.SigV4Signer.

Vectors: tests/data/aws4_testsuite (from the botocore 1.40.61 sdist; see its README).
Every case is run (no skips): canonical request, string to sign, Authorization, and the
Authorization / token lines of the signed request (.sreq).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ddbtui.dynamo.sigv4 import SigV4Signer, derive_signing_key

SUITE = Path(__file__).resolve().parents[1] / "data" / "aws4_testsuite"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TIMESTAMP = "20150830T123600Z"
REGION = "us-east-1"
SERVICE = "service"
# The suite's own .sreq disagrees with its .authz here (the .sreq "signature" is a made-up
# hex string); .creq, .sts and .authz are still checked for this case.
SREQ_INCONSISTENT = {"get-vanilla-with-session-token"}


def _cases() -> list[str]:
    return sorted(str(p.parent.relative_to(SUITE)) for p in SUITE.rglob("*.req"))


def _read(case: str, ext: str) -> str:
    d = SUITE / case
    return (d / f"{d.name}.{ext}").read_text(encoding="utf-8").replace("\r", "")


def parse_request(raw: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """(method, path-with-query, headers in order, body) from a .req file.

    Hand-parsed rather than with http.server: the request line may hold a raw space
    (normalize-path/get-space) or raw UTF-8, and header values may be folded.
    """
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    words = lines[0].split(" ")
    method, target = words[0], " ".join(words[1:-1])
    headers: list[list[str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            headers[-1][1] += " " + line.strip()
            continue
        name, _, value = line.partition(":")
        headers.append([name, value])
    return method, target, [(n, v) for n, v in headers], body.encode("utf-8")


def test_suite_is_complete():
    cases = _cases()
    assert len(cases) >= 28, cases
    assert (SUITE / "LICENSE").exists() and (SUITE / "NOTICE").exists()


@pytest.mark.parametrize("case", _cases())
def test_aws4_testsuite(case: str):
    method, target, headers, body = parse_request(_read(case, "req"))
    creq, sts, authz, sreq = (_read(case, e) for e in ("creq", "sts", "authz", "sreq"))
    host = next(v for n, v in headers if n.lower() == "host").strip()

    m = re.search(r"^x-amz-security-token:(.*)$", creq, re.MULTILINE)
    s = re.search(r"^X-Amz-Security-Token:(.*)$", sreq, re.MULTILINE | re.IGNORECASE)
    token = (m or s).group(1).strip() if (m or s) else None
    sign_token = m is not None  # post-sts-header-after: token added after signing

    signer = SigV4Signer(REGION, SERVICE)
    out = signer.sign_parts(method, f"https://{host}{target}", headers, body,
                            credentials=(ACCESS_KEY, SECRET_KEY, token),
                            timestamp=TIMESTAMP, sign_token=sign_token)
    assert out.canonical_request == creq
    assert out.string_to_sign == sts
    assert out.authorization == authz
    sreq_auth = re.search(r"^Authorization:\s*(.*)$", sreq, re.MULTILINE).group(1)
    if case in SREQ_INCONSISTENT:
        assert sreq_auth != authz  # still the upstream typo; drop the entry if fixed
    else:
        assert out.headers["Authorization"] == sreq_auth
    if token:
        assert out.headers["X-Amz-Security-Token"] == token


def test_signing_key_derivation_matches_aws_docs_example():
    # docs.aws.amazon.com "Examples of how to derive a signing key for SigV4".
    key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_signing_key_is_derived_once_per_day():
    signer = SigV4Signer(REGION, SERVICE)
    creds = (ACCESS_KEY, SECRET_KEY, None)
    for _ in range(5):
        signer.sign("GET", "https://example.amazonaws.com/", credentials=creds, timestamp=TIMESTAMP)
    assert signer.keys.derivations == 1
    signer.sign("GET", "https://example.amazonaws.com/", credentials=creds, timestamp="20150831T000000Z")
    assert signer.keys.derivations == 2
