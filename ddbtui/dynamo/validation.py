"""Client-side validation, run before any call so moto (which accepts bad input) and AWS
behave alike. Each failure is a ValidationError naming the field it belongs to."""

from __future__ import annotations

import re

from ddbtui.dynamo.errors import ValidationError

NAME_RE = re.compile(r"^[a-zA-Z0-9_.\-]{3,255}$")
KEY_TYPES = ("S", "N", "B")
MAX_BATCH = 25
MAX_TRANSACT = 100


def table_name(name: str, *, field: str = "table_name", what: str = "Table name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(f"{what} is required", field=field)
    if len(name) < 3:
        raise ValidationError(f"{what} {name!r} is too short: use 3 to 255 characters", field=field)
    if len(name) > 255:
        raise ValidationError(f"{what} is {len(name)} characters long: at most 255 allowed", field=field)
    if not NAME_RE.match(name):
        bad = sorted({c for c in name if not re.match(r"[a-zA-Z0-9_.\-]", c)})
        raise ValidationError(f"{what} {name!r} has characters DynamoDB does not allow "
                              f"({' '.join(repr(c) for c in bad)}): use letters, digits, _ . -",
                              field=field)
    return name


def index_name(name: str, *, field: str = "index_name") -> str:
    return table_name(name, field=field, what="Index name")


def attribute_name(name: str, *, field: str = "key_name", what: str = "Key attribute name") -> str:
    if name is None or not str(name).strip():
        raise ValidationError(f"{what} is required", field=field)
    name = str(name).strip()
    if len(name.encode()) > 255:
        raise ValidationError(f"{what} is {len(name.encode())} bytes: at most 255 allowed", field=field)
    return name


def key_type(t: str, *, field: str = "key_type") -> str:
    t = (t or "").strip().upper()
    if t not in KEY_TYPES:
        raise ValidationError(f"key type {t!r} must be S (string), N (number) or B (binary)", field=field)
    return t


def capacity(value: object, *, field: str, what: str) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a whole number, got {value!r}", field=field) from None
    if n < 1:
        raise ValidationError(f"{what} must be at least 1", field=field)
    if n > 40000:
        raise ValidationError(f"{what} {n} is above the default account limit of 40,000", field=field)
    return n


def batch_size(n: int) -> None:
    if n > MAX_BATCH:
        raise ValidationError(f"a batch holds at most {MAX_BATCH} requests, got {n}", field="batch")
