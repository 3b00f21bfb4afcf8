"""The "user wallet" table: `user_id` (S) partition key, `balance` (N).

Every operation is a single conditional write or one transaction, so concurrent callers can
never lose an update and a balance can never go negative:
- create:   PutItem with `attribute_not_exists(user_id)`
- deposit:  `SET balance = balance + :a` with `attribute_exists(user_id)`
- withdraw: `SET balance = balance - :a` with `balance >= :a`
- transfer: debit with `balance >= :a` and credit with `attribute_exists`, in one transaction
Money movements go through TransactWriteItems with a ClientRequestToken, even single-item
ones: when a connection drops after DynamoDB applied a write, botocore's retry sends the same
token and DynamoDB applies it once (10-minute window), where a plain UpdateItem retry would
deposit twice. The cost is 2 WCU per write instead of 1.
Each write also bumps `version`, which the item editor uses for its optimistic check.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import (
    DdbError, InsufficientFunds, ValidationError, WalletExists, WalletNotFound, error_code,
)

KEY = "user_id"


def amount_value(amount: Any, *, field: str = "amount") -> Decimal:
    if isinstance(amount, str) and not amount.strip():
        raise ValidationError("enter an amount", field=field)
    d = codec.to_number(amount, field=field)
    if d <= 0:
        raise ValidationError(f"amount must be positive, got {codec.number_text(d)}", field=field)
    if d.as_tuple().exponent < -2:
        raise ValidationError("amount can have at most 2 decimal places", field=field)
    return d


def user_id_value(user_id: Any, *, field: str = "user_id") -> str:
    s = str(user_id or "").strip()
    if not s:
        raise ValidationError("enter a user id", field=field)
    if len(s.encode()) > 2048:
        raise ValidationError("user id is longer than DynamoDB's 2048-byte partition key limit", field=field)
    return s


def _fmt(d: Decimal) -> str:
    return codec.number_text(d)


def create_wallet(client, table: str, user_id: str, balance: Any = 0, **extra: Any) -> dict:
    uid = user_id_value(user_id)
    bal = codec.to_number(balance, field="balance")
    if bal < 0:
        raise ValidationError("a new wallet cannot start with a negative balance", field="balance")
    item = {KEY: uid, "balance": bal, "version": Decimal(1), **extra}
    try:
        client.put_item(TableName=table, Item=codec.serialize_item(item),
                        ConditionExpression="attribute_not_exists(#k)",
                        ExpressionAttributeNames={"#k": KEY})
    except Exception as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise WalletExists(f"wallet {uid!r} already exists", field="user_id") from None
        raise
    return item


def get_wallet(client, table: str, user_id: str) -> dict | None:
    r = client.get_item(TableName=table, Key={KEY: {"S": user_id_value(user_id)}}, ConsistentRead=True)
    return codec.deserialize_item(r["Item"]) if r.get("Item") else None


def _transact_one(client, table, uid, expr, cond, amt, token):
    """One conditional update as a single-action transaction with a ClientRequestToken:
    a retry after a dropped connection (the write applied, the answer lost) applies once."""
    client.transact_write_items(ClientRequestToken=token, TransactItems=[
        {"Update": {"TableName": table, "Key": {KEY: {"S": uid}}, "UpdateExpression": expr,
                    "ConditionExpression": cond,
                    "ExpressionAttributeNames": {"#k": KEY, "#b": "balance", "#v": "version"},
                    "ExpressionAttributeValues": {":a": codec.serialize(amt), ":one": {"N": "1"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])


def deposit(client, table: str, user_id: str, amount: Any, *, token: str | None = None) -> Decimal:
    """Add `amount`; returns the balance read right after. Exactly once under retries."""
    uid, amt = user_id_value(user_id), amount_value(amount)
    try:
        _transact_one(client, table, uid, "SET #b = #b + :a ADD #v :one", "attribute_exists(#k)",
                      amt, token or uuid.uuid4().hex)
    except Exception as e:
        if error_code(e) in ("TransactionCanceledException", "ConditionalCheckFailedException"):
            if get_wallet(client, table, uid) is None:
                raise WalletNotFound(f"wallet {uid!r} does not exist", field="user_id") from None
            _conflict(e)
        raise
    return get_wallet(client, table, uid)["balance"]


def withdraw(client, table: str, user_id: str, amount: Any, *, token: str | None = None) -> Decimal:
    """Subtract `amount` only if the balance covers it; returns the balance read right after."""
    uid, amt = user_id_value(user_id), amount_value(amount)
    try:
        _transact_one(client, table, uid, "SET #b = #b - :a ADD #v :one",
                      "attribute_exists(#k) AND #b >= :a", amt, token or uuid.uuid4().hex)
    except Exception as e:
        if error_code(e) in ("TransactionCanceledException", "ConditionalCheckFailedException"):
            failed, w = _failed_item(e, 0)
            if failed:
                w = w if w is not None else get_wallet(client, table, uid)
                if w is None:
                    raise WalletNotFound(f"wallet {uid!r} does not exist", field="user_id") from None
                raise InsufficientFunds(f"insufficient funds: {uid!r} has {_fmt(w['balance'])}, "
                                        f"cannot withdraw {_fmt(amt)}", field="amount") from None
            _conflict(e)
        raise
    return get_wallet(client, table, uid)["balance"]


def _reasons(e) -> list[dict]:
    return list(getattr(e, "response", {}).get("CancellationReasons") or [])


def _failed_item(e, i: int) -> tuple[bool, dict | None]:
    """(condition failed for action i, the item as it was when it failed, if returned)."""
    rs = _reasons(e)
    if i >= len(rs) or rs[i].get("Code") != "ConditionalCheckFailed":
        return False, None
    item = rs[i].get("Item")
    return True, codec.deserialize_item(item) if item else None


def _conflict(e) -> None:
    reasons = [r.get("Code") for r in (getattr(e, "response", {}).get("CancellationReasons") or [])]
    if "TransactionConflict" in reasons:
        raise DdbError("another transaction touched this wallet at the same moment; nothing was "
                       "changed, try again", code="TransactionConflict") from None


@dataclass
class TransferResult:
    from_balance: Decimal | None
    to_balance: Decimal | None
    token: str


def transfer(client, table: str, from_id: str, to_id: str, amount: Any, *,
             token: str | None = None) -> TransferResult:
    """Move `amount` atomically. A retry with the same `token` applies at most once."""
    src = user_id_value(from_id, field="from_id")
    dst = user_id_value(to_id, field="to_id")
    amt = amount_value(amount)
    if src == dst:
        raise ValidationError("cannot transfer from a wallet to itself: choose two different wallets",
                              field="to_id")
    token = token or uuid.uuid4().hex
    names = {"#k": KEY, "#b": "balance", "#v": "version"}
    vals = {":a": codec.serialize(amt), ":one": {"N": "1"}}
    try:
        client.transact_write_items(ClientRequestToken=token, TransactItems=[
            {"Update": {"TableName": table, "Key": {KEY: {"S": src}},
                        "UpdateExpression": "SET #b = #b - :a ADD #v :one",
                        "ConditionExpression": "attribute_exists(#k) AND #b >= :a",
                        "ExpressionAttributeNames": names, "ExpressionAttributeValues": vals,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Update": {"TableName": table, "Key": {KEY: {"S": dst}},
                        "UpdateExpression": "SET #b = #b + :a ADD #v :one",
                        "ConditionExpression": "attribute_exists(#k)",
                        "ExpressionAttributeNames": names, "ExpressionAttributeValues": vals,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    except Exception as e:
        code = error_code(e)
        if code == "TransactionCanceledException":
            # Judge by the state the transaction saw (returned with the reasons), not by a
            # later read that a concurrent transfer may already have changed.
            src_failed, a = _failed_item(e, 0)
            dst_failed, b = _failed_item(e, 1)
            if src_failed:
                a = a if a is not None else get_wallet(client, table, src)
                if a is None:
                    raise WalletNotFound(f"wallet {src!r} does not exist", field="from_id") from None
                raise InsufficientFunds(f"insufficient funds: {src!r} has {_fmt(a['balance'])}, "
                                        f"cannot send {_fmt(amt)}", field="amount") from None
            if dst_failed:
                raise WalletNotFound(f"wallet {dst!r} does not exist", field="to_id") from None
            _conflict(e)
            reasons = [r.get("Code") for r in _reasons(e)]
            raise DdbError(f"the transfer was cancelled ({', '.join(r or 'None' for r in reasons)}); "
                           f"nothing was changed") from None
        if code == "IdempotentParameterMismatchException":
            raise DdbError("this transfer token was already used for a different transfer") from None
        raise
    a, b = get_wallet(client, table, src), get_wallet(client, table, dst)
    return TransferResult(a["balance"] if a else None, b["balance"] if b else None, token)


def seed_wallets(client, table: str, n: int, *, seed: int | None = None, min_balance: int = 0,
                 max_balance: int = 1000, prefix: str = "user") -> list[dict]:
    """Create n wallets with Faker names and random whole balances (batch writes)."""
    if n < 1 or n > 100_000:
        raise ValidationError("seed between 1 and 100,000 wallets", field="count")
    from faker import Faker

    from ddbtui.dynamo.items import batch_put

    fake = Faker()
    rng = random.Random(seed)
    if seed is not None:
        fake.seed_instance(seed)
    tag = uuid.UUID(int=rng.getrandbits(128)).hex[:6] if seed is not None else uuid.uuid4().hex[:6]
    items = [{KEY: f"{prefix}-{tag}-{i:05d}", "name": fake.name(), "email": fake.email(),
              "balance": Decimal(rng.randint(min_balance, max_balance)), "version": Decimal(1)}
             for i in range(n)]
    batch_put(client, table, items)
    return items


def total_balance(client, table: str) -> tuple[Decimal, int, int]:
    """(sum of balances, number of wallets, number of negative balances), consistent scan."""
    total, count, negative = Decimal(0), 0, 0
    kw: dict[str, Any] = {"TableName": table, "ConsistentRead": True,
                          "ProjectionExpression": "#b", "ExpressionAttributeNames": {"#b": "balance"}}
    while True:
        r = client.scan(**kw)
        for it in r.get("Items", []):
            b = codec.to_number(it["balance"]["N"])
            total += b
            count += 1
            negative += b < 0
        if not r.get("LastEvaluatedKey"):
            return total, count, negative
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]
