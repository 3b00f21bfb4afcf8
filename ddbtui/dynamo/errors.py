"""Errors with one clear sentence each, never a traceback.

`explain(exc)` turns any botocore / network / validation exception into a sentence a person
can act on. Code that talks to DynamoDB raises `DdbError` subclasses for things it detects
itself (bad input, insufficient funds, ...).
"""

from __future__ import annotations

# re-exported (`X as X`): the base classes live below every layer, in ddbtui.errors
from ddbtui.errors import DdbError as DdbError
from ddbtui.errors import ValidationError as ValidationError


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
    code = resp.get("Error", {}).get("Code") if isinstance(resp, dict) else getattr(exc, "code", None)
    return code if isinstance(code, str) else None


# Operations some engines lack, and what to use instead (capability gaps).
_CAPABILITY_HINTS = {
    "TransactWriteItems": "run DynamoDB Local 3 (ddbtui's default engine when Java 17+ is "
                          "installed: `ddbtui --engine dynamodb-local`) or AWS",
    "TransactGetItems": "run DynamoDB Local 3 (`ddbtui --engine dynamodb-local`) or AWS",
    "ExecuteStatement": "run DynamoDB Local 3 (`ddbtui --engine dynamodb-local`) or AWS",
    "BatchExecuteStatement": "run DynamoDB Local 3 (`ddbtui --engine dynamodb-local`) or AWS",
    "UpdateTimeToLive": "run DynamoDB Local 3 (`ddbtui --engine dynamodb-local`) or AWS",
}
_AUTH_CODES = {"UnrecognizedClientException", "InvalidSignatureException", "InvalidClientTokenId",
               "IncompleteSignature", "SignatureDoesNotMatch", "MissingAuthenticationToken",
               "InvalidAccessKeyId"}


def _code_message(exc: BaseException) -> tuple[str | None, str, str | None]:
    """(code, message, operation) of a botocore ClientError or a raw-client error."""
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        err = resp.get("Error", {}) or {}
        return err.get("Code"), str(err.get("Message", "") or ""), getattr(exc, "operation_name", None)
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code, str(getattr(exc, "message", "") or ""), getattr(exc, "operation", None)
    return None, "", None


def explain(exc: BaseException, *, endpoint: str | None = None, region: str | None = None,
            target: str | None = None) -> str:
    """One sentence describing `exc` for a person. Never includes secrets.

    `target`: what was contacted, as a phrase ("the local engine (moto) at 127.0.0.1:8000",
    "AWS eu-west-1 (...)": `Connection.describe()`); `endpoint` is the older spelling."""
    if isinstance(exc, DdbError):
        return exc.message
    msg_attr = getattr(exc, "message", None)
    if isinstance(exc, ValueError) and isinstance(msg_attr, str) and type(exc).__name__ == "TargetError":
        return msg_attr
    name = type(exc).__name__
    where = target or (f"the endpoint {endpoint}" if endpoint else "the DynamoDB endpoint")
    try:  # botocore is optional at import time of this module
        from botocore import exceptions as be  # lazy: botocore costs ~200 ms at start-up
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
        if isinstance(exc, be.ConnectTimeoutError):
            return f"Timed out connecting to {where}: is it running, and is the address reachable?"
        if isinstance(exc, be.ReadTimeoutError):
            return f"{_cap(where)} did not answer in time."
        if isinstance(exc, (be.EndpointConnectionError, be.ConnectionClosedError)):
            return f"Cannot reach {where}: is it running and the URL right?"
    code, msg, operation = _code_message(exc)
    if code:
        return _explain_code(code, msg, operation, where, region)
    # aiohttp / OS level
    if isinstance(exc, ConnectionRefusedError) or name in ("ClientConnectorError",):
        return f"Cannot reach {where}: connection refused."
    if isinstance(exc, TimeoutError):
        return f"{_cap(where)} did not answer in time."
    text = str(exc).strip()
    return f"{name}: {text}" if text else name


def is_target_problem(code: str | None) -> bool:
    """Codes that mean the target itself refuses us (credentials, a missing operation):
    retrying or slowing down cannot help."""
    return bool(code) and (code in _AUTH_CODES or code in ("HTTP403", "403", "ExpiredTokenException",
                                                           "UnknownOperationException",
                                                           "AccessDeniedException"))


def explain_code(code: str, message: str = "", *, operation: str | None = None,
                 target: str | None = None, region: str | None = None) -> str:
    """The sentence for an error known only by its code (e.g. counted per request)."""
    return _explain_code(code, message, operation, target or "the DynamoDB endpoint", region)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _explain_code(code: str, msg: str, operation: str | None, where: str, region: str | None) -> str:
    if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
        return "Your AWS credentials have expired: refresh them (e.g. `aws sso login`) and retry."
    if code in _AUTH_CODES or code in ("HTTP403", "403"):
        return (f"{_cap(where)} rejected the credentials ({code}): check the access key and secret "
                f"(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --profile) for this endpoint.")
    if code == "UnknownOperationException":
        op = operation or "this operation"
        hint = _CAPABILITY_HINTS.get(operation or "", "use DynamoDB Local 3 or AWS")
        return f"{_cap(where)} does not support {op}: {hint}."
    if code == "AccessDeniedException":
        return f"Access denied by {where}: {msg}"
    if code == "ResourceNotFoundException":
        reg = f" in region {region}" if region else ""
        return f"Not found{reg}: {msg or 'the table does not exist'} (wrong region or table name?)"
    if code == "ResourceInUseException":
        return f"The table is busy or already exists: {msg}"
    if code in ("ConditionalCheckFailedException", "ConditionalCheckFailed"):
        return "The condition failed: the item changed or does not match."
    if code == "TransactionCanceledException":
        return f"The transaction was cancelled: {msg}"
    if is_throttle_code(code):
        return f"Throttled by DynamoDB ({code}): slow down or raise capacity."
    if code == "ValidationException":
        return f"DynamoDB rejected the request: {msg}"
    if code == "ConnectionError":
        return f"Cannot reach {where}: {msg}" if msg else f"Cannot reach {where}."
    return f"{code}: {msg}" if msg else code
