"""DynamoDB JSON <-> plain Python values, with no type loss.

Plain values: str, bool, None, Decimal (every number: exact, up to 38 digits), bytes
(binary), set/frozenset of str / Decimal / bytes (SS, NS, BS), list, dict.

Text forms, for editors and exports:
- DynamoDB JSON text (`{"balance": {"N": "10.50"}}`): lossless, the canonical editor form.
- Plain JSON text: readable; numbers are exact JSON number literals, sets become sorted
  lists and binary becomes base64 text. Converting plain JSON back uses the original item as a
  type template (`plain_to_item`) so an edit does not turn a set into a list or bytes into text.
"""

from __future__ import annotations

import base64
import json
from decimal import Context, Decimal
from typing import Any, Mapping

from ddbtui.dynamo.errors import ValidationError

# DynamoDB's number rules (checked in to_number): 38 significant digits, 1E-130 to 9.9E+125.
MAX_ITEM_BYTES = 400 * 1024


# ------------------------------------------------------------------------ numbers
def to_number(value: Any, *, field: str | None = None) -> Decimal:
    """Exact Decimal for a DynamoDB number, or ValidationError with a clear sentence."""
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is a boolean, not a number", field=field)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"{value!r} is not a finite number", field=field)
        value = repr(value)
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except Exception:
        raise ValidationError(f"{value!r} is not a number", field=field) from None
    if not d.is_finite():
        raise ValidationError(f"{value!r} is not a finite number", field=field)
    digits = _significant_digits(d)
    if digits > 38:
        raise ValidationError(f"number {value} has {digits} significant digits; DynamoDB allows at most 38",
                              field=field)
    if d != 0 and not (-130 <= d.adjusted() <= 125):
        raise ValidationError(f"number {value} is out of DynamoDB's range (1E-130 to 9.9E+125)",
                              field=field)
    return d


_WIDE = Context(prec=200, Emin=-999999, Emax=999999)


def _significant_digits(d: Decimal) -> int:
    ds = "".join(map(str, d.as_tuple().digits)).strip("0")
    return max(len(ds), 1)


def number_text(d: Decimal) -> str:
    """Canonical text of a number as DynamoDB would store it: no exponent, no trailing zeros
    after the point (1.50 -> 1.5, 1E+3 -> 1000), exact for all 38 digits."""
    n = _WIDE.normalize(d)
    if n == 0:
        return "0"
    if -60 < n.adjusted() < 60:
        s = format(n, "f")
        return s
    return str(n)


# ----------------------------------------------------------------- value <-> typed
def serialize(value: Any, *, field: str | None = None) -> dict:
    """Plain Python value -> DynamoDB AttributeValue dict."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"B": bytes(value)}
    if isinstance(value, (int, float, Decimal)):
        return {"N": number_text(to_number(value, field=field))}
    if isinstance(value, (set, frozenset)):
        if not value:
            raise ValidationError("DynamoDB sets cannot be empty", field=field)
        if all(isinstance(v, str) for v in value):
            return {"SS": sorted(value)}
        if all(isinstance(v, (bytes, bytearray)) for v in value):
            return {"BS": sorted(bytes(v) for v in value)}
        if all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in value):
            nums = {to_number(v, field=field) for v in value}
            return {"NS": [number_text(n) for n in sorted(nums)]}
        raise ValidationError("a set must hold only strings, only numbers or only binary", field=field)
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v, field=field) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [serialize(v, field=field) for v in value]}
    raise ValidationError(f"values of type {type(value).__name__} cannot be stored in DynamoDB", field=field)


def deserialize(av: Mapping) -> Any:
    """DynamoDB AttributeValue dict -> plain Python value."""
    if not isinstance(av, Mapping) or len(av) != 1:
        raise ValidationError(f"not a DynamoDB attribute value: {av!r}")
    (t, v), = av.items()
    if t == "S":
        return _expect(v, str, t)
    if t == "N":
        return to_number(_expect(v, str, t))
    if t == "B":
        return _bytes(v)
    if t == "BOOL":
        return bool(_expect(v, bool, t))
    if t == "NULL":
        return None
    if t == "SS":
        return {_expect(x, str, t) for x in v}
    if t == "NS":
        return {to_number(_expect(x, str, t)) for x in v}
    if t == "BS":
        return {_bytes(x) for x in v}
    if t == "L":
        return [deserialize(x) for x in _expect(v, list, t)]
    if t == "M":
        return {k: deserialize(x) for k, x in _expect(v, dict, t).items()}
    raise ValidationError(f"unknown DynamoDB type {t!r} (expected S, N, B, BOOL, NULL, SS, NS, BS, L, M)")


def _expect(v, typ, tag):
    if not isinstance(v, typ):
        raise ValidationError(f"a {tag} value must be a {typ.__name__}, got {v!r}")
    return v


def _bytes(v) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=True)
        except Exception:
            raise ValidationError(f"binary value {v[:20]!r} is not valid base64") from None
    raise ValidationError(f"binary value must be base64 text, got {v!r}")


def serialize_item(item: Mapping) -> dict:
    if not isinstance(item, Mapping):
        raise ValidationError("an item must be a JSON object")
    return {str(k): serialize(v, field=str(k)) for k, v in item.items()}


def deserialize_item(item: Mapping) -> dict:
    return {k: deserialize(v) for k, v in item.items()}


# --------------------------------------------------------------------- text forms
def _to_jsonable_ddb(av: Any) -> Any:
    """AttributeValue (with bytes) -> JSON-able (base64 for binary)."""
    if isinstance(av, dict):
        out = {}
        for k, v in av.items():
            if k == "B":
                out[k] = base64.b64encode(v).decode() if isinstance(v, (bytes, bytearray)) else v
            elif k == "BS":
                out[k] = [base64.b64encode(x).decode() if isinstance(x, (bytes, bytearray)) else x for x in v]
            elif k == "L":
                out[k] = [_to_jsonable_ddb(x) for x in v]
            elif k == "M":
                out[k] = {kk: _to_jsonable_ddb(x) for kk, x in v.items()}
            else:
                out[k] = v
        return out
    return av


def item_to_ddb_json(item: Mapping, *, indent: int | None = 2) -> str:
    """Plain item -> DynamoDB JSON text (binary as base64)."""
    typed = serialize_item(item)
    return json.dumps({k: _to_jsonable_ddb(v) for k, v in typed.items()}, indent=indent,
                      ensure_ascii=False, sort_keys=False)


def item_to_ddb_bytes(item: Mapping) -> bytes:
    """Plain item -> compact DynamoDB JSON bytes (no spaces, UTF-8): a compact stored form."""
    typed = serialize_item(item)
    return json.dumps({k: _to_jsonable_ddb(v) for k, v in typed.items()}, separators=(",", ":"),
                      ensure_ascii=False).encode()


def ddb_bytes_to_item(data: bytes) -> dict:
    """`item_to_ddb_bytes` back to the plain item."""
    return {k: deserialize(v) for k, v in json.loads(data).items()}


def ddb_json_to_item(text: str) -> dict:
    """DynamoDB JSON text -> plain item. ValidationError with the position on bad JSON."""
    data = _loads(text)
    if not isinstance(data, dict):
        raise ValidationError("the item must be a JSON object of attribute names to typed values")
    return {k: deserialize(v) for k, v in data.items()}


def _plain_jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain_jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain_jsonable(x) for x in v]
    if isinstance(v, (set, frozenset)):
        items = [_plain_jsonable(x) for x in v]
        try:
            return sorted(items, key=lambda x: (str(type(x)), x))
        except TypeError:
            return items
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    return v


def item_to_plain_json(item: Mapping, *, indent: int | None = 2) -> str:
    """Plain item -> readable JSON; numbers exact (no float rounding)."""
    return _dumps_exact(_plain_jsonable(item), indent=indent)


def _dumps_exact(obj: Any, indent: int | None) -> str:
    # Replace Decimals by unique placeholders, dump, then substitute the exact literals.
    marks: dict[str, str] = {}

    def sub(v):
        if isinstance(v, Decimal):
            key = f"\x00{len(marks)}\x00"
            marks[key] = number_text(v)
            return key
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v

    text = json.dumps(sub(obj), indent=indent, ensure_ascii=False)
    for key, lit in marks.items():
        text = text.replace(json.dumps(key), lit, 1)
    return text


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None


def plain_json_to_item(text: str, template: Mapping | None = None) -> dict:
    """Plain JSON text -> plain item, restoring types from `template` (the original item):
    a list where the original had a set becomes a set again, base64 text where it had binary
    becomes bytes again."""
    data = _loads(text)
    if not isinstance(data, dict):
        raise ValidationError("the item must be a JSON object")
    return {k: _restore(v, (template or {}).get(k), k) for k, v in data.items()}


def _restore(v: Any, like: Any, field: str) -> Any:
    if isinstance(like, (set, frozenset)) and isinstance(v, list):
        sample = next(iter(like))
        if isinstance(sample, (bytes, bytearray)):
            return {_bytes(x) for x in v}
        if isinstance(sample, Decimal):
            return {to_number(x, field=field) for x in v}
        return set(v)
    if isinstance(like, (bytes, bytearray)) and isinstance(v, str):
        return _bytes(v)
    if isinstance(like, dict) and isinstance(v, dict):
        return {k: _restore(x, like.get(k), field) for k, x in v.items()}
    if isinstance(like, list) and isinstance(v, list):
        return [_restore(x, like[i] if i < len(like) else None, field) for i, x in enumerate(v)]
    return v


def type_tag(value: Any) -> str:
    """The DynamoDB type letter(s) of a plain value: S, N, B, BOOL, NULL, SS, NS, BS, L, M."""
    return next(iter(serialize(value)))


def display(value: Any, max_len: int = 60) -> str:
    """Short one-line text of a value for tables."""
    if isinstance(value, str):
        s = value
    elif isinstance(value, Decimal):
        s = number_text(value)
    elif isinstance(value, (bytes, bytearray)):
        s = "b64:" + base64.b64encode(value).decode()
    elif value is None:
        s = "null"
    elif isinstance(value, bool):
        s = "true" if value else "false"
    else:
        s = _dumps_exact(_plain_jsonable(value), indent=None)
    return s if len(s) <= max_len else s[: max_len - 1] + "…"


# ------------------------------------------------------------------------- size
def _av_size(av: Mapping) -> int:
    (t, v), = av.items()
    if t == "S":
        return len(v.encode())
    if t == "N":
        digits = v.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if t == "B":
        return len(v)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(x.encode()) for x in v)
    if t == "NS":
        return sum(_av_size({"N": x}) for x in v)
    if t == "BS":
        return sum(len(x) for x in v)
    if t == "L":
        return 3 + sum(1 + _av_size(x) for x in v)
    if t == "M":
        return 3 + sum(len(k.encode()) + 1 + _av_size(x) for k, x in v.items())
    return 0


def item_size(item: Mapping) -> int:
    """Approximate DynamoDB item size in bytes (attribute names + values), per AWS's rules."""
    typed = item if item and all(isinstance(v, dict) and len(v) == 1 and next(iter(v)) in
                                 ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
                                 for v in item.values()) else serialize_item(item)
    return sum(len(k.encode()) + _av_size(v) for k, v in typed.items())


def check_item_size(item: Mapping) -> int:
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise ValidationError(f"item is {size:,} bytes; DynamoDB allows at most {MAX_ITEM_BYTES:,} (400 KB)",
                              field="item")
    return size
