"""Wallet: conditional writes and transactions; concurrency never loses an update."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ddbtui.dynamo import tables as T
from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.errors import InsufficientFunds, ValidationError, WalletExists, WalletNotFound


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


def test_deposit_withdraw(client, wallets):
    assert W.deposit(client, wallets, "bob", "10.25") == Decimal("15.25")
    assert W.withdraw(client, wallets, "bob", 15) == Decimal("0.25")
    with pytest.raises(InsufficientFunds) as e:
        W.withdraw(client, wallets, "bob", 1)
    assert "insufficient funds" in str(e.value) and e.value.field == "amount"
    assert bal(client, wallets, "bob") == Decimal("0.25")


def test_missing_wallet(client, wallets):
    with pytest.raises(WalletNotFound):
        W.deposit(client, wallets, "nobody", 1)
    with pytest.raises(WalletNotFound):
        W.withdraw(client, wallets, "nobody", 1)
    with pytest.raises(WalletNotFound) as e:
        W.transfer(client, wallets, "alice", "nobody", 1)
    assert e.value.field == "to_id"
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
    assert (r.from_balance, r.to_balance) == (70, 35)
    with pytest.raises(InsufficientFunds):
        W.transfer(client, wallets, "bob", "alice", 36)
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
        try:
            W.withdraw(client, wallets, "alice", 7)
            return 1
        except InsufficientFunds:
            return 0

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
        try:
            W.transfer(client, wallets, a, b, 9)
        except Exception:
            pass  # insufficient funds or a transaction conflict: nothing changed

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(move, range(60)))
    total, n, negative = W.total_balance(client, wallets)
    assert (total, n, negative) == (total0, n0, 0)


def test_seed_wallets(client, wallets):
    items = W.seed_wallets(client, wallets, 30, seed=7)
    assert len(items) == 30 and all(i["name"] for i in items)
    assert T.count_items(client, wallets) == 32
    assert W.seed_wallets(client, wallets, 3, seed=7)[0]["name"] == items[0]["name"]  # seeded
    with pytest.raises(ValidationError):
        W.seed_wallets(client, wallets, 0)
