"""Errors with one clear sentence each, never a traceback.

`explain(exc)` turns any botocore / network / validation exception into a sentence a person
can act on. Code that talks to DynamoDB raises `DdbError` subclasses for things it detects
itself (bad input, insufficient funds, ...).
"""

from __future__ import annotations


class DdbError(Exception):
    """An error with a human-readable message (str(exc) is the sentence)."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the input field this error belongs to (for inline messages)
        self.code = code


class ValidationError(DdbError):
    """Input rejected on the client before anything was sent."""


class NotFound(DdbError):
    pass


class InsufficientFunds(DdbError):
    pass


class WalletNotFound(NotFound):
    pass


class WalletExists(DdbError):
    pass


class ConcurrentChange(DdbError):
    """An optimistic check failed: somebody changed the item since it was read."""


class ConnectionProblem(DdbError):
    """Credentials, endpoint, region: the target itself is the problem."""


_THROTTLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}


def is_throttle_code(code: str | None) -> bool:
    return bool(code) and code in _THROTTLE_CODES


def error_code(exc: BaseException) -> str | None:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        return resp.get("Error", {}).get("Code")
    return getattr(exc, "code", None)


def explain(exc: BaseException, *, endpoint: str | None = None, region: str | None = None) -> str:
    """One sentence describing `exc` for a person. Never includes secrets."""
    if isinstance(exc, DdbError):
        return exc.message
    name = type(exc).__name__
    where = endpoint or "AWS"
    try:  # botocore is optional at import time of this module
        from botocore import exceptions as be
    except Exception:  # pragma: no cover
        be = None
    if be is not None:
        if isinstance(exc, be.NoCredentialsError):
            return ("No AWS credentials found: run `aws configure`, `aws sso login`, pass "
                    "--profile, or omit --aws to use the local engine.")
        if isinstance(exc, be.PartialCredentialsError):
            return f"AWS credentials are incomplete: {exc.kwargs.get('cred_var', 'a value')} is missing."
        if isinstance(exc, be.ProfileNotFound):
            return f"AWS profile {exc.kwargs.get('profile')!r} is not in your AWS config files."
        if isinstance(exc, be.NoRegionError):
            return "No AWS region set: pass --region or set AWS_REGION."
        token_errors = tuple(
            getattr(be, n) for n in ("TokenRetrievalError", "SSOTokenLoadError",
                                     "UnauthorizedSSOTokenError") if hasattr(be, n)
        )
        if token_errors and isinstance(exc, token_errors):
            return "Your AWS SSO session has expired or is missing: run `aws sso login` and retry."
        if isinstance(exc, (be.EndpointConnectionError, be.ConnectionClosedError)):
            return f"Cannot reach the DynamoDB endpoint {where}: is it running and the URL right?"
        if isinstance(exc, be.ConnectTimeoutError):
            return f"Timed out connecting to {where}."
        if isinstance(exc, be.ReadTimeoutError):
            return f"{where} did not answer in time."
        if isinstance(exc, be.ClientError):
            code = error_code(exc) or "Error"
            msg = exc.response.get("Error", {}).get("Message", "") or ""
            if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
                return "Your AWS credentials have expired: refresh them (e.g. `aws sso login`) and retry."
            if code in ("UnrecognizedClientException", "InvalidSignatureException",
                        "InvalidClientTokenId", "IncompleteSignature"):
                return f"AWS rejected the credentials ({code}): check the access key and secret for this profile."
            if code == "AccessDeniedException":
                return f"Access denied: {msg}"
            if code == "ResourceNotFoundException":
                reg = f" in region {region}" if region else ""
                return f"Not found{reg}: {msg or 'the table does not exist'} (wrong region or table name?)"
            if code == "ResourceInUseException":
                return f"The table is busy or already exists: {msg}"
            if code == "ConditionalCheckFailedException":
                return "The condition failed: the item changed or does not match."
            if code == "TransactionCanceledException":
                return f"The transaction was cancelled: {msg}"
            if is_throttle_code(code):
                return f"Throttled by DynamoDB ({code}): slow down or raise capacity."
            if code == "ValidationException":
                return f"DynamoDB rejected the request: {msg}"
            return f"{code}: {msg}" if msg else code
    # aiohttp / OS level
    if isinstance(exc, ConnectionRefusedError) or name in ("ClientConnectorError",):
        return f"Cannot reach the DynamoDB endpoint {where}: connection refused."
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer in time."
    text = str(exc).strip()
    return f"{name}: {text}" if text else name
