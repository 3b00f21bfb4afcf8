"""Wallet: conditional writes and transactions; concurrency never loses an update."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ddbtui.dynamo import tables as T
from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.errors import ValidationError, WalletExists


@pytest.fixture
def wallets(client, table_name):
    T.create_table(client, T.wallet_spec(table_name), wait=True)
    W.create_wallet(client, table_name, "alice", 100)
    W.create_wallet(client, table_name, "bob", 5)
    yield table_name
    T.delete_table(client, table_name)


def bal(client, t, uid):
    return W.get_wallet(client, t, uid)["balance"]


def test_create_twice_refused(client, wallets):
    with pytest.raises(WalletExists):
        W.create_wallet(client, wallets, "alice", 1)
    assert bal(client, wallets, "alice") == 100


def refused(out, code):
    assert isinstance(out, W.Refused) and out.code == code, out
    return out


def test_deposit_withdraw(client, wallets):
    out = W.deposit(client, wallets, "bob", "10.25")
    assert isinstance(out, W.Applied) and out.balances == {"bob": Decimal("15.25")}
    assert "bob now has 15.25" in out.summary()
    assert W.withdraw(client, wallets, "bob", 15).balances == {"bob": Decimal("0.25")}
    r = refused(W.withdraw(client, wallets, "bob", 1), "insufficient_funds")
    assert "insufficient funds" in r.reason and r.field == "amount"
    assert bal(client, wallets, "bob") == Decimal("0.25")


def test_missing_wallet(client, wallets):
    refused(W.deposit(client, wallets, "nobody", 1), "not_found")
    refused(W.withdraw(client, wallets, "nobody", 1), "not_found")
    r = refused(W.transfer(client, wallets, "alice", "nobody", 1), "not_found")
    assert r.field == "to_id" and "'nobody' does not exist" in r.reason
    assert bal(client, wallets, "alice") == 100
    assert W.get_wallet(client, wallets, "nobody") is None


@pytest.mark.parametrize("amount, frag", [("0", "positive"), ("-5", "positive"), ("abc", "not a number"),
                                          ("1.001", "2 decimal"), ("", "enter an amount")])
def test_bad_amounts(client, wallets, amount, frag):
    with pytest.raises(ValidationError) as e:
        W.deposit(client, wallets, "alice", amount)
    assert frag in str(e.value)
    assert bal(client, wallets, "alice") == 100


def test_transfer(client, wallets):
    r = W.transfer(client, wallets, "alice", "bob", 30)
    assert r.balances == {"alice": 70, "bob": 35}
    refused(W.transfer(client, wallets, "bob", "alice", 36), "insufficient_funds")
    with pytest.raises(ValidationError) as e:
        W.transfer(client, wallets, "alice", "alice", 1)
    assert "itself" in str(e.value)
    assert (bal(client, wallets, "alice"), bal(client, wallets, "bob")) == (70, 35)


def test_transfer_token_is_idempotent(client, wallets, engine):
    if engine.chosen == "moto":
        # Checked: moto 5.2.5 applies a repeated ClientRequestToken twice (80/25, not 90/15).
        pytest.skip("moto ignores ClientRequestToken idempotency; DynamoDB Local honours it")
    W.transfer(client, wallets, "alice", "bob", 10, token="t-123")
    W.transfer(client, wallets, "alice", "bob", 10, token="t-123")  # a retry: applies once
    assert (bal(client, wallets, "alice"), bal(client, wallets, "bob")) == (90, 15)


MOTO_RACES = ("moto serializes neither concurrent updates nor transactions to one item "
              "(seen: total balance drifted by one transfer); the guarantee holds on DynamoDB Local/AWS")


def test_concurrent_withdrawals_never_go_negative(client, wallets, engine):
    if engine.chosen == "moto":
        pytest.skip(MOTO_RACES)
    def take(_):
        out = W.withdraw(client, wallets, "alice", 7)
        while isinstance(out, W.Refused) and out.code == "conflict":
            out = W.execute(client, out.op)
        return int(isinstance(out, W.Applied))

    with ThreadPoolExecutor(8) as ex:
        ok = sum(ex.map(take, range(30)))
    assert ok == 14  # 14 * 7 = 98 <= 100 < 105
    assert bal(client, wallets, "alice") == 2


def test_concurrent_transfers_keep_total(client, wallets, engine):
    if engine.chosen == "moto":
        pytest.skip(MOTO_RACES)
    W.seed_wallets(client, wallets, 6, seed=1, min_balance=50, max_balance=50, prefix="s")
    total0, n0, _ = W.total_balance(client, wallets)
    from ddbtui.dynamo.items import scan_page

    ids = [i["user_id"] for i in scan_page(client, wallets, limit=100).items]
    assert len(ids) == 8

    def move(i):
        a, b = ids[i % len(ids)], ids[(i * 7 + 3) % len(ids)]
        if a == b:
            return
        out = W.transfer(client, wallets, a, b, 9)
        assert not isinstance(out, W.Unknown), out  # refused (funds, conflict): nothing changed

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(move, range(60)))
    total, n, negative = W.total_balance(client, wallets)
    assert (total, n, negative) == (total0, n0, 0)


def test_seed_wallets(client, wallets):
    seen = []
    res = W.seed_wallets(client, wallets, 60, seed=7, progress=lambda d, t: seen.append((d, t)))
    items = res.items
    assert res.written == 60 and not res.cancelled
    assert len(items) == 60 and all(i["name"] for i in items)
    assert seen[-1] == (60, 60) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert T.count_items(client, wallets) == 62
    assert W.seed_wallets(client, wallets, 3, seed=7).items[0]["name"] == items[0]["name"]  # seeded
    assert W.plan_seed(60, seed=7).items() == items  # one plan = the same wallets on a resend
    with pytest.raises(ValidationError):
        W.seed_wallets(client, wallets, 0)


def test_seed_cancel_stops_between_batches(client, wallets):
    import threading

    cancel = threading.Event()

    def progress(done, total):
        cancel.set()  # cancel as soon as the first batch is in

    res = W.seed_wallets(client, wallets, 500, seed=3, progress=progress, cancel=cancel)
    assert res.cancelled and 25 <= res.written < 500
    assert T.count_items(client, wallets) == 2 + res.written  # what it says is what is there


def test_same_token_applies_once_across_ops(client, wallets, engine):
    if engine.chosen == "moto":
        pytest.skip("moto ignores ClientRequestToken idempotency; DynamoDB Local honours it")
    op = W.deposit_op(wallets, "bob", 5)
    assert isinstance(W.execute(client, op), W.Applied)
    assert isinstance(W.execute(client, op), W.Applied)  # a resend of the same intent
    assert bal(client, wallets, "bob") == 10
    assert W.deposit_op(wallets, "bob", 5).token != op.token  # a new intent, a new token


def test_non_numeric_balance_is_a_sentence(client, wallets):
    """Another client wrote a text balance: every movement refuses it with a sentence."""
    client.put_item(TableName=wallets, Item={"user_id": {"S": "x"}, "balance": {"S": "abc"}})
    client.put_item(TableName=wallets, Item={"user_id": {"S": "nobal"}})
    for out in (W.deposit(client, wallets, "x", 1), W.withdraw(client, wallets, "x", 1),
                W.transfer(client, wallets, "x", "bob", 1), W.transfer(client, wallets, "bob", "x", 1)):
        r = refused(out, "non_numeric")
        assert "wallet 'x' has a non-numeric balance" in r.reason
    assert "wallet 'nobal' has no balance" in refused(W.deposit(client, wallets, "nobal", 1), "non_numeric").reason
    assert bal(client, wallets, "bob") == 5


def test_retry_window_is_refused_after_ten_minutes(client, wallets):
    now = [1000.0]
    op = W.deposit_op(wallets, "bob", 1)
    unknown = W.Unknown(op, "connection dropped", first_sent=now[0])
    now[0] += W.IDEMPOTENCY_WINDOW_S  # a clock, not a wait
    out = W.retry_safely(client, unknown, clock=lambda: now[0])
    assert isinstance(out, W.Unknown) and out.window_closed and "10 minutes" in out.summary()
    assert bal(client, wallets, "bob") == 5  # nothing was sent
    now[0] = 1000.0 + 60
    assert isinstance(W.retry_safely(client, unknown, clock=lambda: now[0]), W.Applied)
    assert bal(client, wallets, "bob") == 6
