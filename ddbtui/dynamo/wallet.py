"""The "user wallet" table: `user_id` (S) partition key, `balance` (N).

Every operation is a single conditional write or one transaction, so concurrent callers can
never lose an update and a balance can never go negative:
- create:   PutItem with `attribute_not_exists(user_id)`
- deposit:  `SET balance = balance + :a` with `attribute_exists(user_id)`
- withdraw: `SET balance = balance - :a` with `balance >= :a`
- transfer: debit with `balance >= :a` and credit with `attribute_exists`, in one transaction
Every money movement also requires `attribute_type(balance, N)`: an item another client wrote
with a text balance is refused with a sentence ("wallet 'x' has a non-numeric balance").

One intent, one token, one application. A `WalletOp` is one confirmed intent; it carries its
ClientRequestToken, made once when the intent is built. Money movements go through
TransactWriteItems with that token, even single-item ones: botocore's automatic retries, a
user's "Retry safely" and a repeated key all resend the same token, and DynamoDB applies it
once (it remembers a token for 10 minutes). A plain UpdateItem retry would deposit twice.
The cost is 2 WCU per write instead of 1. Each write also bumps `version`, which the item
editor uses for its optimistic check.

Outcome truth. `execute(client, op)` never raises for what DynamoDB did; it returns one of
- `Applied`: the write committed. The balances read right after are attached; if that read
  failed, `read_error` says why and the write still counts as applied.
- `Refused`: DynamoDB (or the client, before sending) refused; nothing changed. `reason` is
  one sentence, `field` the input it belongs to.
- `Unknown`: the connection dropped, or throttles / 5xx outlasted the last retry: the write
  may or may not have happened. `retry_safely(client, unknown)` resends the same token,
  which applies at most once, until `IDEMPOTENCY_WINDOW_S` after the first send; after that
  it refuses to resend (DynamoDB would treat it as a new request).
Bad input (`amount_value`, `user_id_value`) raises `ValidationError` when the op is built:
nothing is sent.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, cast

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import (
    ValidationError,
    WalletExists,
    error_code,
    explain,
    is_throttle_code,
)
from ddbtui.dynamo.items import batch_put
from ddbtui.paths import atomic_text_writer, data_dir

KEY = "user_id"
BALANCE = "balance"
# DynamoDB remembers a ClientRequestToken for 10 minutes. A safe retry is refused a little
# before that: our clock starts at the first send, DynamoDB's when the request arrived.
IDEMPOTENCY_WINDOW_S = 600.0
SAFE_RETRY_MARGIN_S = 30.0

Kind = Literal["deposit", "withdraw", "transfer"]
Clock = Callable[[], float]


def new_token() -> str:
    return uuid.uuid4().hex  # 32 characters; DynamoDB allows 1-36


# ------------------------------------------------------------------ input rules
MAX_AMOUNT_CHARS = 60  # longer than any 38-digit amount with 2 decimals and a sign


def _char_problem(s: str, what: str) -> str | None:
    """A sentence for characters a person cannot see or a store cannot encode, else None."""
    for ch in s:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return f"{what} contains a broken character (a lone UTF-16 surrogate, U+{ord(ch):04X})"
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Zl", "Zp") or (cat == "Zs" and ch != " "):
            name = unicodedata.name(ch, "a control character")
            return f"{what} contains an invisible character (U+{ord(ch):04X} {name})"
    return None


def _short(s: str, n: int = 24) -> str:
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def amount_value(amount: Any, *, field: str = "amount") -> Decimal:
    if isinstance(amount, str):
        if not amount.strip():
            raise ValidationError("enter an amount", field=field)
        text = amount.strip()
        if len(text) > MAX_AMOUNT_CHARS:
            raise ValidationError(f"the amount is {len(text):,} characters long: enter a number such as 25.50",
                                  field=field)
        bad = _char_problem(text, "the amount")
        if bad:
            raise ValidationError(bad, field=field)
        if not text.isascii():
            raise ValidationError(f"type the amount with the digits 0-9 (got {_short(text)})", field=field)
    d = codec.to_number(amount, field=field)
    if d <= 0:
        raise ValidationError(f"amount must be positive, got {codec.number_text(d)}", field=field)
    if d.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError("amount can have at most 2 decimal places", field=field)
    return d


def user_id_value(user_id: Any, *, field: str = "user_id") -> str:
    s = str(user_id or "").strip()
    if not s:
        raise ValidationError("enter a user id", field=field)
    bad = _char_problem(s, "the user id")
    if bad:
        raise ValidationError(bad, field=field)
    if len(s.encode()) > 2048:
        raise ValidationError(f"the user id is {len(s.encode()):,} bytes long; DynamoDB's partition key limit "
                              f"is 2048 bytes", field=field)
    return s


def balance_value(value: Any, *, field: str = BALANCE) -> Decimal:
    """A wallet balance as the editor / new-item path must accept it: a number >= 0."""
    if value is None:
        raise ValidationError("a wallet needs a balance (a number >= 0)", field=field)
    if not isinstance(value, Decimal):
        raise ValidationError(f"balance must be a number (type N), got {codec.type_tag(value)} "
                              f"{codec.display(value, 30)}", field=field)
    if value < 0:
        raise ValidationError(f"balance cannot be negative, got {codec.number_text(value)}", field=field)
    return value


def check_wallet_item(item: dict[str, Any], *, new: bool = False) -> None:
    """Wallet rules for a whole item written by the editor: ValidationError if broken. A new
    item's user id must also be one the wallet dialogs can reach (see check_wallet_record);
    an existing item keeps its key (the editor refuses key changes)."""
    if new:
        check_wallet_record(item)
    else:
        balance_value(item.get(BALANCE))


def check_wallet_record(item: Mapping[str, Any]) -> None:
    """Wallet rules for an imported item: a user id the wallet dialogs can reach (text, not
    blank, no invisible characters, no spaces around it) and a balance that is a number >= 0."""
    uid = item.get(KEY)
    if not isinstance(uid, str):
        raise ValidationError(f"{KEY} must be text (type S), got {codec.type_tag(uid)}" if uid is not None
                              else f"the item has no {KEY}", field=KEY)
    checked = user_id_value(uid)
    if checked != uid:
        raise ValidationError(f"the user id {_short(uid)} has spaces around it; the wallet dialogs "
                              f"could never reach it", field=KEY)
    balance_value(item.get(BALANCE))


def is_wallet_key(name: str | None, type_: str | None) -> bool:
    """A wallet table: partition key `user_id` of type S."""
    return name == KEY and type_ == "S"


def _fmt(d: Decimal) -> str:
    return codec.number_text(d)


# ------------------------------------------------------------------ intents and outcomes
@dataclass(frozen=True)
class WalletOp:
    """One confirmed intent. Its token is made once; every resend reuses it."""

    kind: Kind
    table: str
    user_id: str  # the wallet (deposit/withdraw) or the sender (transfer)
    amount: Decimal
    to_id: str | None = None
    token: str = field(default_factory=new_token)

    @property
    def wallets(self) -> tuple[str, ...]:
        return (self.user_id,) if self.to_id is None else (self.user_id, self.to_id)

    def describe(self) -> str:
        a = _fmt(self.amount)
        if self.kind == "deposit":
            return f"deposit {a} into {self.user_id}"
        if self.kind == "withdraw":
            return f"withdraw {a} from {self.user_id}"
        return f"transfer {a} from {self.user_id} to {self.to_id}"


def deposit_op(table: str, user_id: Any, amount: Any) -> WalletOp:
    return WalletOp("deposit", table, user_id_value(user_id), amount_value(amount))


def withdraw_op(table: str, user_id: Any, amount: Any) -> WalletOp:
    return WalletOp("withdraw", table, user_id_value(user_id), amount_value(amount))


def transfer_op(table: str, from_id: Any, to_id: Any, amount: Any) -> WalletOp:
    src = user_id_value(from_id, field="from_id")
    dst = user_id_value(to_id, field="to_id")
    amt = amount_value(amount)
    if src == dst:
        raise ValidationError("cannot transfer from a wallet to itself: choose two different wallets",
                              field="to_id")
    return WalletOp("transfer", table, src, amt, to_id=dst)


@dataclass(frozen=True)
class Applied:
    """The write committed (exactly once)."""

    op: WalletOp
    balances: dict[str, Decimal]  # read right after; empty when the read failed
    read_error: str | None = None
    items: tuple[dict[str, Any], ...] = ()  # the wallets as read after (for the UI)

    def summary(self) -> str:
        verb = {"deposit": "Deposited", "withdraw": "Withdrew", "transfer": "Transferred"}[self.op.kind]
        a = _fmt(self.op.amount)
        what = (f"{verb} {a} from {self.op.user_id} to {self.op.to_id}" if self.op.kind == "transfer"
                else f"{verb} {a} {'into' if self.op.kind == 'deposit' else 'from'} {self.op.user_id}")
        if self.read_error is not None:
            return f"{what}: applied; could not read the new balances: {self.read_error}"
        now = ", ".join(f"{u} now has {_fmt(b)}" for u, b in self.balances.items())
        return f"{what}: {now}." if now else f"{what}."


@dataclass(frozen=True)
class Refused:
    """Nothing changed; `reason` says why."""

    op: WalletOp
    reason: str
    field: str | None = None
    code: str | None = None  # insufficient_funds, not_found, non_numeric, conflict, ...

    def summary(self) -> str:
        return f"Not done ({self.op.describe()}): {self.reason}"


@dataclass(frozen=True)
class Unknown:
    """The write may or may not have happened. Resend `op` (same token) to find out."""

    op: WalletOp
    reason: str
    first_sent: float  # clock() when the intent was first sent
    window_closed: bool = False  # a safe retry was refused: too late for the token

    def retry_deadline(self) -> float:
        return self.first_sent + IDEMPOTENCY_WINDOW_S - SAFE_RETRY_MARGIN_S

    def can_retry(self, now: float) -> bool:
        return now < self.retry_deadline()

    def summary(self) -> str:
        if self.window_closed:
            return (f"Outcome unknown ({self.op.describe()}): {self.reason}. It is too late to retry "
                    f"safely: DynamoDB remembers a request token for 10 minutes only, so a resend "
                    f"now could apply twice. Check the balances before doing it again.")
        return (f"Outcome unknown ({self.op.describe()}): {self.reason}. It may or may not have "
                f"been applied. Retry safely resends the same request token, which DynamoDB "
                f"applies at most once (for 10 minutes after the first try).")


Outcome = Applied | Refused | Unknown


# ------------------------------------------------------------------ executing
# Raised before anything was sent (nothing can have been applied).
_PRESEND = ("NoCredentialsError", "PartialCredentialsError", "ProfileNotFound", "NoRegionError",
            "ParamValidationError", "TokenRetrievalError", "SSOTokenLoadError",
            "UnauthorizedSSOTokenError", "UnknownEndpointError", "InvalidEndpointConfigurationError")
# DynamoDB answers that mean the write may still be in flight or may have happened.
_MAYBE_CODES = frozenset({"TransactionInProgressException", "InternalServerError",
                          "ServiceUnavailable", "InternalFailure", "RequestTimeout"})


def _where(client: Any) -> str | None:
    return getattr(getattr(client, "meta", None), "endpoint_url", None)


def _retry_attempts(e: BaseException) -> int:
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        return int(resp.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
    return 0


def _reasons(e: BaseException) -> list[dict[str, Any]]:
    resp = getattr(e, "response", None)
    return list((resp or {}).get("CancellationReasons") or []) if isinstance(resp, dict) else []


def _failed_item(e: BaseException, i: int) -> tuple[bool, dict[str, Any] | None]:
    """(condition failed for action i, the item as it was when it failed, if returned)."""
    rs = _reasons(e)
    if i >= len(rs) or rs[i].get("Code") != "ConditionalCheckFailed":
        return False, None
    item = rs[i].get("Item")
    return True, codec.deserialize_item(item) if item else None


def _condition_refusal(op: WalletOp, role: int, item: dict[str, Any] | None) -> Refused:
    """Why the condition on action `role` (0: the debited/only wallet, 1: the credited) failed,
    judged from the item as the transaction saw it (returned with the reasons)."""
    uid = op.user_id if role == 0 else (op.to_id or "")
    fld = ("user_id" if op.kind != "transfer" else "from_id") if role == 0 else "to_id"
    if item is None:
        return Refused(op, f"wallet {uid!r} does not exist", fld, "not_found")
    bal = item.get(BALANCE)
    if not isinstance(bal, Decimal):
        what = "no balance" if bal is None else "a non-numeric balance"
        return Refused(op, f"wallet {uid!r} has {what}; fix it in the item editor first", fld, "non_numeric")
    verb = "send" if op.kind == "transfer" else "withdraw"
    return Refused(op, f"insufficient funds: {uid!r} has {_fmt(bal)}, cannot {verb} {_fmt(op.amount)}",
                   "amount", "insufficient_funds")


def _actions(op: WalletOp) -> list[dict[str, Any]]:
    names = {"#k": KEY, "#b": BALANCE, "#v": "version"}
    vals = {":a": codec.serialize(op.amount), ":one": {"N": "1"}, ":n": {"S": "N"}}

    def update(uid: str, expr: str, cond: str) -> dict[str, Any]:
        return {"Update": {"TableName": op.table, "Key": {KEY: {"S": uid}}, "UpdateExpression": expr,
                           "ConditionExpression": cond, "ExpressionAttributeNames": names,
                           "ExpressionAttributeValues": vals,
                           "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}

    credit = ("SET #b = #b + :a ADD #v :one", "attribute_exists(#k) AND attribute_type(#b, :n)")
    debit = ("SET #b = #b - :a ADD #v :one",
             "attribute_exists(#k) AND attribute_type(#b, :n) AND #b >= :a")
    if op.kind == "deposit":
        return [update(op.user_id, *credit)]
    if op.kind == "withdraw":
        return [update(op.user_id, *debit)]
    assert op.to_id is not None
    return [update(op.user_id, *debit), update(op.to_id, *credit)]


def _classify(client: Any, op: WalletOp, e: Exception, first_sent: float) -> Refused | Unknown:
    code = error_code(e)
    if code == "TransactionCanceledException":
        for role in range(len(op.wallets)):
            failed, item = _failed_item(e, role)
            if failed:
                return _condition_refusal(op, role, item)
        codes = [r.get("Code") or "None" for r in _reasons(e)]
        if "TransactionConflict" in codes:
            return Refused(op, "another transaction touched this wallet at the same moment; nothing "
                               "was changed, try again", None, "conflict")
        return Refused(op, f"the transaction was cancelled ({', '.join(codes)}); nothing was changed",
                       None, "cancelled")
    if code == "IdempotentParameterMismatchException":
        return Refused(op, "this request token was already used for a different operation", None,
                       "token_mismatch")
    reason = explain(e, endpoint=_where(client))
    if type(e).__name__ in _PRESEND:
        return Refused(op, reason, None, "not_sent")
    if code is not None and code not in _MAYBE_CODES:
        if not is_throttle_code(code) or _retry_attempts(e) == 0:
            # A definite answer to the only attempt, or a 4xx refusal (validation, access,
            # missing table): nothing was applied.
            return Refused(op, reason, None, code)
    return Unknown(op, reason.rstrip("."), first_sent)


def _read_back(client: Any, op: WalletOp) -> Applied:
    balances: dict[str, Decimal] = {}
    items: list[dict[str, Any]] = []
    try:
        for uid in op.wallets:
            w = get_wallet(client, op.table, uid)
            if w is None:
                raise LookupError(f"wallet {uid!r} is gone (deleted right after)")
            items.append(w)
            bal = w.get(BALANCE)
            if isinstance(bal, Decimal):
                balances[uid] = bal
    except Exception as e:  # the write stands whatever the read says
        reason = str(e) if isinstance(e, LookupError) else explain(e, endpoint=_where(client))
        return Applied(op, {}, reason.rstrip("."), tuple(items))
    return Applied(op, balances, None, tuple(items))


def execute(client: Any, op: WalletOp, *, clock: Clock = time.monotonic,
            first_sent: float | None = None) -> Outcome:
    """Send `op` (with its token) once through the client's retries; never raises for what
    DynamoDB did or might have done."""
    sent = clock() if first_sent is None else first_sent
    try:
        client.transact_write_items(ClientRequestToken=op.token, TransactItems=_actions(op))
    except Exception as e:
        return _classify(client, op, e, sent)
    return _read_back(client, op)


def retry_safely(client: Any, unknown: Unknown, *, clock: Clock = time.monotonic) -> Outcome:
    """Resend an unknown outcome's op with the same token (applies at most once), or refuse
    when the token's 10-minute idempotency window may be over."""
    if not unknown.can_retry(clock()):
        return Unknown(unknown.op, unknown.reason, unknown.first_sent, window_closed=True)
    return execute(client, unknown.op, clock=clock, first_sent=unknown.first_sent)


def deposit(client: Any, table: str, user_id: Any, amount: Any, *, token: str | None = None) -> Outcome:
    """Add `amount` (ValidationError for bad input, nothing sent)."""
    op = deposit_op(table, user_id, amount)
    return execute(client, replace(op, token=token) if token else op)


def withdraw(client: Any, table: str, user_id: Any, amount: Any, *, token: str | None = None) -> Outcome:
    """Subtract `amount` only if the balance covers it."""
    op = withdraw_op(table, user_id, amount)
    return execute(client, replace(op, token=token) if token else op)


def transfer(client: Any, table: str, from_id: Any, to_id: Any, amount: Any, *,
             token: str | None = None) -> Outcome:
    """Move `amount` atomically. A resend with the same `token` applies at most once."""
    op = transfer_op(table, from_id, to_id, amount)
    return execute(client, replace(op, token=token) if token else op)


# ------------------------------------------------------------------ single wallets
def create_wallet(client: Any, table: str, user_id: str, balance: Any = 0, **extra: Any) -> dict[str, Any]:
    uid = user_id_value(user_id)
    bal = codec.to_number(balance, field="balance")
    if bal < 0:
        raise ValidationError("a new wallet cannot start with a negative balance", field="balance")
    item = {KEY: uid, BALANCE: bal, "version": Decimal(1), **extra}
    try:
        client.put_item(TableName=table, Item=codec.serialize_item(item),
                        ConditionExpression="attribute_not_exists(#k)",
                        ExpressionAttributeNames={"#k": KEY})
    except Exception as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise WalletExists(f"wallet {uid!r} already exists", field="user_id") from None
        raise
    return item


def get_wallet(client: Any, table: str, user_id: str) -> dict[str, Any] | None:
    r = client.get_item(TableName=table, Key={KEY: {"S": user_id_value(user_id)}}, ConsistentRead=True)
    return codec.deserialize_item(r["Item"]) if r.get("Item") else None


# ------------------------------------------------------------------ seeding
SEED_CHUNK = 25  # one BatchWriteItem
SEED_WORKERS = 4  # batches in flight (DynamoDB Local: ~4x one at a time)
Progress = Callable[[int, int], None]


@dataclass
class SeedResult:
    items: list[dict[str, Any]]  # the wallets generated (all of them unless stopped early)
    written: int  # how many were written (all, unless cancelled or failed)
    cancelled: bool = False
    seconds: float = 0.0
    error: str | None = None  # why writing stopped early (written ones stay)
    total: int = 0  # how many were planned

    @property
    def complete(self) -> bool:
        return self.written == self.total


@dataclass(frozen=True)
class SeedPlan:
    """What a seed of `n` writes: Faker names and e-mails, whole balances, user ids
    `<prefix>-<tag>-<i>`. Item i depends only on (seed, i // SEED_CHUNK), so chunks are made
    lazily as they are written (progress starts at once, a stop is immediate) and one plan per
    confirmed intent always means the same wallets, never new ones."""

    n: int
    seed: int
    tag: str
    prefix: str = "user"
    min_balance: int = 0
    max_balance: int = 1000

    @property
    def chunks(self) -> int:
        return (self.n + SEED_CHUNK - 1) // SEED_CHUNK

    def chunk(self, c: int, fake: Any = None) -> list[dict[str, Any]]:
        """Items [c*25, (c+1)*25) of the plan (pass a Faker to reuse; it is reseeded)."""
        if fake is None:
            from faker import Faker  # lazy: function-local: loading Faker's locales costs ~100 ms of start-up

            fake = Faker(use_weighting=False)  # 7x faster names; real names still
        sub = self.seed * 1_000_003 + c
        fake.seed_instance(sub)
        rng = random.Random(sub)
        lo = c * SEED_CHUNK
        return [{KEY: f"{self.prefix}-{self.tag}-{i:05d}", "name": fake.name(), "email": fake.email(),
                 BALANCE: Decimal(rng.randint(self.min_balance, self.max_balance)), "version": Decimal(1)}
                for i in range(lo, min(lo + SEED_CHUNK, self.n))]

    def items(self) -> list[dict[str, Any]]:
        from faker import Faker  # lazy: function-local: see chunk()

        fake = Faker(use_weighting=False)
        return [it for c in range(self.chunks) for it in self.chunk(c, fake)]


def plan_seed(n: int, *, seed: int | None = None, min_balance: int = 0, max_balance: int = 1000,
              prefix: str = "user") -> SeedPlan:
    """The plan for one seed intent (nothing generated yet). ValidationError for a bad n."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or n > 100_000:
        raise ValidationError("seed between 1 and 100,000 wallets", field="count")
    rng = random.Random(seed)
    s = rng.getrandbits(31) if seed is None else seed
    tag = uuid.UUID(int=rng.getrandbits(128)).hex[:6] if seed is not None else uuid.uuid4().hex[:6]
    return SeedPlan(n, s, tag, prefix, min_balance, max_balance)


def write_seed(client: Any, table: str, plan: SeedPlan, *,
               progress: Progress | None = None, cancel: threading.Event | None = None,
               workers: int = SEED_WORKERS) -> SeedResult:
    """BatchWriteItem in chunks of 25, `workers` chunks in flight, each chunk generated just
    before it is sent. `progress(done, total)` after each chunk; `cancel` stops before the
    next chunk. A failing chunk stops the seed (the chunks in flight finish and are
    counted); the result says how many were written."""
    from faker import Faker  # lazy: function-local: see SeedPlan.chunk

    t0 = time.perf_counter()
    fake = Faker(use_weighting=False)
    made: list[dict[str, Any]] = []
    next_chunk = 0
    done = 0
    stop = False
    cancelled = False
    error: str | None = None
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="seed") as ex:
        pending: set[Future[Any]] = set()
        sizes: dict[Future[Any], int] = {}
        while True:
            while len(pending) < workers and not stop:
                if cancel is not None and cancel.is_set():
                    stop = cancelled = True
                    break
                if next_chunk >= plan.chunks:
                    stop = True
                    break
                chunk = plan.chunk(next_chunk, fake)
                next_chunk += 1
                made.extend(chunk)
                f = ex.submit(batch_put, client, table, cast("list[Mapping[Any, Any]]", chunk))
                sizes[f] = len(chunk)
                pending.add(f)
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                size = sizes.pop(f)
                exc = f.exception()
                if exc is not None:
                    stop = True
                    error = error or explain(exc, endpoint=_where(client)).rstrip(".")
                    continue
                done += size
                if progress is not None:
                    progress(done, plan.n)
    return SeedResult(made, done, cancelled and done < plan.n, time.perf_counter() - t0, error, plan.n)


def seed_wallets(client: Any, table: str, n: int, *, seed: int | None = None, min_balance: int = 0,
                 max_balance: int = 1000, prefix: str = "user", progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> SeedResult:
    """Create n wallets with Faker names and random whole balances (batch writes)."""
    plan = plan_seed(n, seed=seed, min_balance=min_balance, max_balance=max_balance, prefix=prefix)
    return write_seed(client, table, plan, progress=progress, cancel=cancel)


def total_balance(client: Any, table: str) -> tuple[Decimal, int, int]:
    """(sum of balances, number of wallets, number of negative balances), consistent scan.
    A non-numeric balance counts as a wallet but not toward the sum."""
    total, count, negative = Decimal(0), 0, 0
    kw: dict[str, Any] = {"TableName": table, "ConsistentRead": True,
                          "ProjectionExpression": "#b", "ExpressionAttributeNames": {"#b": BALANCE}}
    while True:
        r = client.scan(**kw)
        for it in r.get("Items", []):
            count += 1
            n = it.get(BALANCE, {}).get("N")
            if n is None:
                continue
            b = codec.to_number(n)
            total += b
            negative += b < 0
        if not r.get("LastEvaluatedKey"):
            return total, count, negative
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


# ------------------------------------------------------------------ PartiQL writes
# The PartiQL console and `ddbtui partiql` look at an INSERT / UPDATE on a wallet table before
# sending it: a literal balance that breaks the wallet rules is refused; a balance the client
# cannot judge (a `?` parameter, an expression such as `balance - 5`) is a warning that the
# statement bypasses the wallet rules (the console asks for a confirmation).
Verdict = Literal["ok", "refuse", "warn"]


@dataclass(frozen=True)
class StatementCheck:
    verdict: Verdict
    reason: str = ""


_TOKEN = re.compile(r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<qid>"(?:[^"]|"")*")
    | (?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<op><<|>>|<=|>=|<>|!=|\|\||.)
    )""", re.VERBOSE | re.DOTALL)


def _tokens(statement: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(statement):
        m = _TOKEN.match(statement, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup or "op"
        text = m.group(kind)
        if kind == "op" and not text.strip():
            continue
        out.append((kind, text))
    return out


def _ident(tok: tuple[str, str]) -> str | None:
    kind, text = tok
    if kind == "word":
        return text
    if kind == "qid":
        return text[1:-1].replace('""', '"')
    return None


def write_target(statement: str) -> str | None:
    """The table an INSERT INTO / UPDATE statement writes, else None."""
    toks = _tokens(statement)
    if len(toks) >= 3 and toks[0][1].upper() == "INSERT" and toks[1][1].upper() == "INTO":
        name = _ident(toks[2])
    elif len(toks) >= 2 and toks[0][1].upper() == "UPDATE":
        name = _ident(toks[1])
    else:
        return None
    return name


def _judge_param(value: Any, where: str) -> StatementCheck:
    """A balance given as a parameter value (plain: Decimal, str, bool, None, list, ...)."""
    if isinstance(value, Decimal):
        try:
            balance_value(value)
        except ValidationError as e:
            return StatementCheck("refuse", f"{where}: {e.message} (from --parameters); a wallet "
                                            f"balance is a number >= 0")
        return StatementCheck("ok")
    what = (f"the text {_short(value)}" if isinstance(value, str) else
            f"{codec.display(value, 30)} (type {codec.type_tag(value)})")
    return StatementCheck("refuse", f"{where}: balance would be {what} (from --parameters); a wallet "
                                    f"balance is a number >= 0")


def _judge_value(toks: list[tuple[str, str]], where: str, params: Sequence[Any] = ()) -> StatementCheck:
    """A balance given as these tokens (one value)."""
    if not toks:
        return StatementCheck("refuse", f"{where}: the balance has no value")
    if len(toks) == 1 and toks[0][0] == "param":
        return _judge_param(params[int(toks[0][1])], where)
    neg = len(toks) == 2 and toks[0] == ("op", "-") and toks[1][0] == "num"
    if (len(toks) == 1 and toks[0][0] == "num") or neg:
        text = "".join(t for _, t in toks)
        try:
            balance_value(codec.to_number(text, field=BALANCE))
        except ValidationError as e:
            return StatementCheck("refuse", f"{where}: {e.message}; a wallet balance is a number >= 0")
        return StatementCheck("ok")
    kind, text = toks[0]
    if len(toks) == 1 and kind == "str":
        return StatementCheck("refuse", f"{where}: balance would be the text {_short(text[1:-1])}; "
                                        f"a wallet balance is a number >= 0 (write it without quotes)")
    if len(toks) == 1 and kind == "word" and text.upper() in ("NULL", "MISSING", "TRUE", "FALSE"):
        return StatementCheck("refuse", f"{where}: balance would be {text.upper()}; a wallet balance is a "
                                        f"number >= 0")
    if kind == "op" and text in ("{", "[", "<<"):
        return StatementCheck("refuse", f"{where}: balance would be a collection; a wallet balance is a "
                                        f"number >= 0")
    shown = " ".join(t for _, t in toks)
    return StatementCheck("warn", f"{where}: ddbtui cannot check balance = {_short(shown, 40)} "
                                  f"before sending; it bypasses the wallet rules (never negative, "
                                  f"never text) that deposit, withdraw and transfer keep")


def _split_top(toks: list[tuple[str, str]], stops: set[str]) -> list[list[tuple[str, str]]]:
    """Split on top-level (not nested in brackets) tokens whose upper text is in `stops`."""
    parts: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for tok in toks:
        kind, text = tok
        if kind == "op" and text in ("{", "[", "(", "<<"):
            depth += 1
        elif kind == "op" and text in ("}", "]", ")", ">>"):
            depth -= 1
        if depth == 0 and text.upper() in stops and kind in ("word", "op"):
            parts.append([tok])
            continue
        parts[-1].append(tok)
    return parts


def check_wallet_statement(statement: str, parameters: Sequence[Any] | None = None) -> StatementCheck:
    """Wallet rules for one PartiQL statement on a wallet table (the caller knows the table is
    one). SELECT / DELETE and writes that leave `balance` alone are ok. With `parameters` (the
    plain values for its `?` placeholders, in order) a `?` balance is judged by its value."""
    toks = _tokens(statement)
    if parameters:
        n = 0
        for i, tok in enumerate(toks):
            if tok == ("op", "?") and n < len(parameters):
                toks[i] = ("param", str(n))
                n += 1
    params = tuple(parameters or ())
    if not toks:
        return StatementCheck("ok")
    first = toks[0][1].upper()
    if first == "INSERT":
        return _check_insert(toks, params)
    if first == "UPDATE":
        return _check_update(toks, params)
    return StatementCheck("ok")


def _check_insert(toks: list[tuple[str, str]], params: Sequence[Any]) -> StatementCheck:
    where = "INSERT"
    try:
        start = next(i for i, (k, t) in enumerate(toks) if k == "word" and t.upper() == "VALUE")
    except StopIteration:
        return StatementCheck("warn", f"{where}: ddbtui cannot find the item's VALUE to check; it "
                                      f"bypasses the wallet rules")
    body = toks[start + 1:]
    if not body or body[0] != ("op", "{"):
        return StatementCheck("warn", f"{where}: the item is not written out ({_short(' '.join(t for _, t in body), 30)}), "
                                      f"so ddbtui cannot check its balance; it bypasses the wallet rules")
    # top-level pairs of the tuple: 'name' : value , ...
    depth = 0
    pairs: list[list[tuple[str, str]]] = [[]]
    for tok in body[1:]:
        kind, text = tok
        if kind == "op" and text in ("{", "[", "(", "<<"):
            depth += 1
        elif kind == "op" and text in ("}", "]", ")", ">>"):
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and tok == ("op", ","):
            pairs.append([])
            continue
        pairs[-1].append(tok)
    for pair in pairs:
        if len(pair) >= 2 and pair[1] == ("op", ":") and pair[0][0] in ("str", "qid"):
            name = pair[0][1][1:-1]
            if name == BALANCE:
                return _judge_value(pair[2:], where, params)
    return StatementCheck("refuse", f"{where}: the item has no balance; a wallet needs a balance "
                                    f"(a number >= 0)")


def _check_update(toks: list[tuple[str, str]], params: Sequence[Any]) -> StatementCheck:
    where = "UPDATE"
    # the clauses before WHERE / RETURNING: SET a = x [, b = y] [SET ...] [REMOVE p, ...]
    head: list[tuple[str, str]] = []
    for tok in toks[2:]:
        if tok[0] == "word" and tok[1].upper() in ("WHERE", "RETURNING"):
            break
        head.append(tok)
    worst = StatementCheck("ok")
    clause = ""
    for part in _split_top(head, {"SET", "REMOVE", ","}):
        if part and part[0][0] == "word" and part[0][1].upper() in ("SET", "REMOVE"):
            clause = part[0][1].upper()
            part = part[1:]
        elif part and part[0] == ("op", ","):
            part = part[1:]
        if not part or _ident(part[0]) != BALANCE:
            continue
        if clause == "REMOVE":
            if len(part) == 1:
                return StatementCheck("refuse", f"{where}: REMOVE balance would leave the wallet without a "
                                                f"balance; a wallet needs a number >= 0")
            continue
        if len(part) >= 2 and part[1] == ("op", "="):
            got = _judge_value(part[2:], where, params)
        else:  # a path into balance (balance.x, balance[0])
            got = StatementCheck("warn", f"{where}: ddbtui cannot check a write into a part of "
                                         f"balance; it bypasses the wallet rules")
        if got.verdict == "refuse":
            return got
        if got.verdict == "warn":
            worst = got
    return worst


def is_wallet_table(client: Any, table: str) -> bool:
    """DescribeTable: is `table` a wallet table (partition key user_id, S)? Errors propagate."""
    t = client.describe_table(TableName=table)["Table"]
    attrs = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    pk = next((k["AttributeName"] for k in t.get("KeySchema", []) if k.get("KeyType") == "HASH"), None)
    return is_wallet_key(pk, attrs.get(pk or ""))


def holds_balances(client: Any, table: str) -> bool:
    """A wallet table (partition key user_id, S) with at least one of its first 25 items
    holding a `balance`: money that a benchmark's --force must not overwrite."""
    if not is_wallet_table(client, table):
        return False
    r = client.scan(TableName=table, Limit=25, ProjectionExpression="#b", ExpressionAttributeNames={"#b": "balance"})
    return any("balance" in it for it in r.get("Items", []))


def balances_refusal(table: str) -> str:
    return (f"table {table} is a wallet table holding balances (user_id + balance): a benchmark would "
            f"overwrite them, --force or not. Benchmark into an empty table or a fresh one (no --table).")


# ------------------------------------------------------------------ pending intents
# An unknown outcome outlives its dialog: it is kept in `<data dir>/wallet-pending.json`
# (written whole with paths.atomic_text_writer) until a safe retry settles it or the user
# dismisses it. Only the intent is kept (token, operation, amount, wallets, table, the target
# described as in messages, times): never credentials. Times are wall-clock seconds so that a
# restart can still tell whether DynamoDB's 10-minute token window is open.
PENDING_FILE = "wallet-pending.json"
PENDING_VERSION = 1
WallClock = Callable[[], float]


@dataclass(frozen=True)
class PendingIntent:
    token: str
    kind: Kind
    table: str
    user_id: str
    to_id: str | None
    amount: str  # the exact number text
    target: str  # where it was sent, e.g. "the local engine (DynamoDB Local) at 127.0.0.1:8000"
    reason: str  # why the outcome is unknown
    first_sent_at: float  # wall clock (epoch seconds) of the first send
    window_closed: bool = False  # a safe retry was refused: too late for the token

    @property
    def deadline(self) -> float:
        """Wall clock after which a safe retry is refused (DynamoDB's 10 minutes, less a margin)."""
        return self.first_sent_at + IDEMPOTENCY_WINDOW_S - SAFE_RETRY_MARGIN_S

    def op(self) -> WalletOp:
        return WalletOp(self.kind, self.table, self.user_id, Decimal(self.amount), self.to_id, self.token)

    def unknown(self, *, wall: WallClock = time.time, clock: Clock = time.monotonic) -> Unknown:
        """The Unknown to resend, its first send placed on `clock`'s scale."""
        return Unknown(self.op(), self.reason, clock() - (wall() - self.first_sent_at), self.window_closed)

    def describe(self) -> str:
        return self.op().describe()

    @classmethod
    def from_unknown(cls, u: Unknown, target: str, *, wall: WallClock = time.time,
                     clock: Clock = time.monotonic) -> PendingIntent:
        op = u.op
        return cls(op.token, op.kind, op.table, op.user_id, op.to_id, _fmt(op.amount), target, u.reason,
                   wall() - (clock() - u.first_sent), u.window_closed)

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "kind": self.kind, "table": self.table, "user_id": self.user_id,
                "to_id": self.to_id, "amount": self.amount, "target": self.target, "reason": self.reason,
                "first_sent_at": self.first_sent_at, "window_closed": self.window_closed}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PendingIntent:
        kind = d["kind"]
        if kind not in ("deposit", "withdraw", "transfer"):
            raise ValueError(f"unknown operation {kind!r}")
        amount = codec.number_text(amount_value(str(d["amount"])))
        return cls(str(d["token"]), kind, str(d["table"]), user_id_value(d["user_id"]),
                   None if d.get("to_id") is None else user_id_value(d["to_id"]), amount,
                   str(d.get("target", "")), str(d.get("reason", "")), float(d["first_sent_at"]),
                   bool(d.get("window_closed", False)))


class PendingIntents:
    """The pending-intents file. Every change rewrites it whole (atomic); thread-safe."""

    _lock = threading.Lock()

    def __init__(self, path: Any = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / PENDING_FILE

    def load(self) -> list[PendingIntent]:
        """The kept intents, oldest first; ValidationError (a sentence) for an unreadable file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as e:
            raise ValidationError(f"cannot read the pending wallet operations in {self.path}: {e.strerror}") from None
        try:
            data = json.loads(text)
            return [PendingIntent.from_json(d) for d in data["intents"]]
        except (ValueError, KeyError, TypeError, ValidationError) as e:
            why = e.message if isinstance(e, ValidationError) else str(e)
            raise ValidationError(f"the pending wallet operations in {self.path} are damaged ({why}); "
                                  f"move the file away to start a new list") from None

    def _write(self, intents: list[PendingIntent]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text_writer(self.path) as out:
            json.dump({"version": PENDING_VERSION, "intents": [i.to_json() for i in intents]}, out, indent=1)
            out.write("\n")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time: threads of this process (a lock) and other ddbtui processes
        (`ddbtui serve` runs one app per browser tab) through an advisory lock file."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
                try:
                    import fcntl  # lazy: function-local: POSIX only (Windows keeps the thread lock)
                except ImportError:  # pragma: no cover
                    yield
                    return
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def put(self, intent: PendingIntent) -> None:
        """Add or replace (same token) one intent."""
        with self._locked():
            intents = [i for i in self.load() if i.token != intent.token]
            self._write([*intents, intent])

    def remove(self, token: str) -> bool:
        with self._locked():
            intents = self.load()
            kept = [i for i in intents if i.token != token]
            if len(kept) != len(intents):
                self._write(kept)
            return len(kept) != len(intents)
