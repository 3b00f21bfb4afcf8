"""Items: scan/query pages, get, put, update, delete, batch delete/write.

All values in and out are *plain* Python values (see codec); the typed wire form stays
inside this module.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ddbtui.dynamo import codec
from ddbtui.dynamo import validation as v
from ddbtui.dynamo.errors import ConcurrentChange, DdbError, NotFound, ValidationError, error_code

SORT_OPS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


@dataclass
class Page:
    items: list[dict]
    last_key: dict | None  # plain values; pass back as start_key
    count: int
    scanned_count: int
    consumed: float | None = None

    @property
    def has_more(self) -> bool:
        return self.last_key is not None


def _page(resp: dict) -> Page:
    lk = resp.get("LastEvaluatedKey")
    cc = resp.get("ConsumedCapacity")
    return Page(items=[codec.deserialize_item(i) for i in resp.get("Items", [])],
                last_key=codec.deserialize_item(lk) if lk else None,
                count=resp.get("Count", 0), scanned_count=resp.get("ScannedCount", 0),
                consumed=(cc or {}).get("CapacityUnits") if isinstance(cc, dict) else None)


def _expr_values(values: Mapping[str, Any] | None) -> dict:
    return {k: codec.serialize(val, field="filter") for k, val in (values or {}).items()}


def scan_page(client, table: str, *, limit: int = 100, start_key: Mapping | None = None,
              index: str | None = None, filter_expression: str | None = None,
              names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None,
              consistent: bool = False) -> Page:
    kw: dict[str, Any] = {"TableName": table, "Limit": limit}
    if start_key:
        kw["ExclusiveStartKey"] = codec.serialize_item(start_key)
    if index:
        kw["IndexName"] = index
    if filter_expression:
        kw["FilterExpression"] = filter_expression
    if names:
        kw["ExpressionAttributeNames"] = dict(names)
    if values:
        kw["ExpressionAttributeValues"] = _expr_values(values)
    if consistent and not index:
        kw["ConsistentRead"] = True
    return _page(client.scan(**kw))


def key_condition(pk_name: str, pk_value: Any, sk_name: str | None = None, sk_op: str | None = None,
                  sk_values: tuple | list = ()) -> tuple[str, dict, dict]:
    """KeyConditionExpression with placeholders, names and (plain) values."""
    names = {"#pk": pk_name}
    values = {":pk": pk_value}
    expr = "#pk = :pk"
    if sk_op:
        if not sk_name:
            raise ValidationError("this table or index has no sort key to compare", field="sk_op")
        if sk_op not in SORT_OPS:
            raise ValidationError(f"sort key operator must be one of {', '.join(SORT_OPS)}", field="sk_op")
        names["#sk"] = sk_name
        if sk_op == "BETWEEN":
            if len(sk_values) != 2:
                raise ValidationError("BETWEEN needs two values", field="sk_value")
            values[":sk1"], values[":sk2"] = sk_values
            expr += " AND #sk BETWEEN :sk1 AND :sk2"
        elif sk_op == "begins_with":
            values[":sk"] = sk_values[0]
            expr += " AND begins_with(#sk, :sk)"
        else:
            values[":sk"] = sk_values[0]
            expr += f" AND #sk {sk_op} :sk"
    return expr, names, values


def query_page(client, table: str, *, pk_name: str, pk_value: Any, sk_name: str | None = None,
               sk_op: str | None = None, sk_values: tuple | list = (), index: str | None = None,
               filter_expression: str | None = None, names: Mapping[str, str] | None = None,
               values: Mapping[str, Any] | None = None, limit: int = 100,
               start_key: Mapping | None = None, forward: bool = True) -> Page:
    expr, kn, kv = key_condition(pk_name, pk_value, sk_name, sk_op, sk_values)
    all_names = {**kn, **(names or {})}
    all_values = {**kv, **(values or {})}
    kw: dict[str, Any] = {"TableName": table, "KeyConditionExpression": expr,
                          "ExpressionAttributeNames": all_names,
                          "ExpressionAttributeValues": _expr_values(all_values),
                          "Limit": limit, "ScanIndexForward": forward}
    if index:
        kw["IndexName"] = index
    if filter_expression:
        kw["FilterExpression"] = filter_expression
    if start_key:
        kw["ExclusiveStartKey"] = codec.serialize_item(start_key)
    return _page(client.query(**kw))


def get_item(client, table: str, key: Mapping, *, consistent: bool = True) -> dict | None:
    r = client.get_item(TableName=table, Key=codec.serialize_item(key), ConsistentRead=consistent)
    it = r.get("Item")
    return codec.deserialize_item(it) if it else None


def check_key(item: Mapping, key_names: Iterable[str]) -> dict:
    key = {}
    for k in key_names:
        if k not in item:
            raise ValidationError(f"the item has no key attribute {k!r}", field=k)
        key[k] = item[k]
    return key


def put_item(client, table: str, item: Mapping, *, key_names: Iterable[str] | None = None,
             only_if_new: bool = False) -> None:
    typed = codec.serialize_item(item)
    codec.check_item_size(typed)
    kw: dict[str, Any] = {"TableName": table, "Item": typed}
    if key_names is not None:
        check_key(item, key_names)
    if only_if_new and key_names:
        first = list(key_names)[0]
        kw["ConditionExpression"] = "attribute_not_exists(#k)"
        kw["ExpressionAttributeNames"] = {"#k": first}
    client.put_item(**kw)


def save_edit(client, table: str, original: Mapping, edited: Mapping, key_names: list[str]) -> dict:
    """Replace `original` by `edited` only if nobody changed it meanwhile (optimistic check).

    - A changed key is refused (that would be a different item).
    - With a numeric `version` attribute: condition `version = :v`, and version is bumped.
    - Otherwise: condition that every original attribute still has its original value.
    Returns the item as written.
    """
    for k in key_names:
        if k not in edited:
            raise ValidationError(f"key attribute {k!r} cannot be removed", field=k)
        if edited[k] != original.get(k) or type(edited[k]) is not type(original.get(k)):
            raise ValidationError(f"key attribute {k!r} cannot be changed (it identifies the item); "
                                  f"create a new item instead", field=k)
    new = dict(edited)
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if isinstance(original.get("version"), Decimal):
        names["#ver"] = "version"
        values[":ver"] = original["version"]
        cond = "#ver = :ver"
        if new.get("version") == original["version"]:
            new["version"] = original["version"] + 1
    else:
        parts = []
        for i, (k, val) in enumerate(original.items()):
            names[f"#a{i}"] = k
            if k in key_names:
                parts.append(f"attribute_exists(#a{i})")
            else:
                values[f":a{i}"] = val
                parts.append(f"#a{i} = :a{i}")
        cond = " AND ".join(parts)
    typed = codec.serialize_item(new)
    codec.check_item_size(typed)
    kw: dict[str, Any] = {"TableName": table, "Item": typed, "ConditionExpression": cond,
                          "ExpressionAttributeNames": names}
    if values:
        kw["ExpressionAttributeValues"] = _expr_values(values)
    try:
        client.put_item(**kw)
    except Exception as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise ConcurrentChange("the item was changed or deleted by someone else since you opened it; "
                                   "reload it and edit again") from None
        raise
    return new


def update_item(client, table: str, key: Mapping, *, update_expression: str,
                names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None,
                condition: str | None = None, return_values: str = "ALL_NEW") -> dict | None:
    kw: dict[str, Any] = {"TableName": table, "Key": codec.serialize_item(key),
                          "UpdateExpression": update_expression, "ReturnValues": return_values}
    if names:
        kw["ExpressionAttributeNames"] = dict(names)
    if values:
        kw["ExpressionAttributeValues"] = _expr_values(values)
    if condition:
        kw["ConditionExpression"] = condition
    r = client.update_item(**kw)
    attrs = r.get("Attributes")
    return codec.deserialize_item(attrs) if attrs else None


def delete_item(client, table: str, key: Mapping, *, must_exist: bool = False) -> None:
    kw: dict[str, Any] = {"TableName": table, "Key": codec.serialize_item(key)}
    if must_exist:
        kw["ConditionExpression"] = "attribute_exists(#k)"
        kw["ExpressionAttributeNames"] = {"#k": next(iter(key))}
    try:
        client.delete_item(**kw)
    except Exception as e:
        if must_exist and error_code(e) == "ConditionalCheckFailedException":
            raise NotFound("the item no longer exists") from None
        raise


@dataclass
class BatchResult:
    requests: int = 0
    resent_items: int = 0
    written: int = 0
    durations: list[float] = field(default_factory=list)
    stopped: bool = False  # should_stop() ended it early


def _batch(client, table: str, requests: list[dict], *, max_attempts: int = 12, base: float = 0.05,
           cap: float = 5.0, rng: random.Random | None = None, sleep=time.sleep,
           on_progress: Callable[[int], None] | None = None,
           should_stop: Callable[[], bool] | None = None) -> BatchResult:
    """Send BatchWriteItem in chunks of 25, resending UnprocessedItems with capped
    exponential backoff and full jitter until everything is done.

    `on_progress(n)` is called after each chunk with the items it wrote; `should_stop()` is
    asked before each chunk: when true, the rest is not sent (`res.stopped`), so exactly the
    first `res.written` requests were applied."""
    rng = rng or random.Random()
    res = BatchResult()
    for i in range(0, len(requests), v.MAX_BATCH):
        if should_stop is not None and should_stop():
            res.stopped = True
            break
        pending = requests[i:i + v.MAX_BATCH]
        attempt = 0
        while pending:
            v.batch_size(len(pending))
            r = client.batch_write_item(RequestItems={table: pending})
            res.requests += 1
            left = r.get("UnprocessedItems", {}).get(table, [])
            res.written += len(pending) - len(left)
            if left:
                attempt += 1
                if attempt >= max_attempts:
                    raise DdbError(f"{len(left)} items stayed unprocessed after {attempt} attempts "
                                   f"(the table is throttling): {res.written} were written")
                res.resent_items += len(left)
                sleep(rng.uniform(0, min(cap, base * 2 ** attempt)))
            pending = left
        if on_progress is not None:
            on_progress(len(requests[i:i + v.MAX_BATCH]))
    return res


def batch_delete(client, table: str, keys: list[Mapping], **kw) -> BatchResult:
    reqs = [{"DeleteRequest": {"Key": codec.serialize_item(k)}} for k in keys]
    return _batch(client, table, reqs, **kw)


def batch_put(client, table: str, items: list[Mapping], **kw) -> BatchResult:
    reqs = []
    for it in items:
        typed = codec.serialize_item(it)
        codec.check_item_size(typed)
        reqs.append({"PutRequest": {"Item": typed}})
    return _batch(client, table, reqs, **kw)


def batch_write_request(client, table: str, requests: list[dict]) -> dict:
    """One raw BatchWriteItem call, refusing more than 25 requests before sending."""
    v.batch_size(len(requests))
    return client.batch_write_item(RequestItems={table: requests})


def batch_write(client, table: str, requests: list[dict], **kw) -> BatchResult:
    """BatchWriteItem for any number of typed requests (chunks of 25, UnprocessedItems
    resent with backoff, in order). Used by `ddbtui import`."""
    return _batch(client, table, requests, **kw)
