"""Hypothesis state machine: deposits, withdrawals and transfers through the fault proxy
(throttles on reads and writes, 5xx, drops before and after the engine applied the write)
against DynamoDB Local.

Each example gets its own wallets, its own fault mix and a seeded proxy, and a client with
only two attempts per call, so retries run out often: writes end "unknown" and read-backs
fail after a committed write. After every step every balance (read directly, not through the
proxy) must equal the model built from applied operations plus unknown ones resolved by
"Retry safely" (same token), and none may be negative. An outcome must also agree with the
model: a refused withdrawal really lacked the funds, an applied one really had them, and the
balances an Applied reports are the model's.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ddbtui.config import Connection
from ddbtui.dynamo import tables as T
from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.clients import new_client
from ddbtui.local.proxy import FaultConfig, ProxyThread
from tests.conftest import connection_for

pytestmark = pytest.mark.dynamodb_local

N_WALLETS = 3
RATES = st.sampled_from((0.0, 0.0, 0.1, 0.25))
AMOUNTS = st.integers(1, 80).map(Decimal)
WALLET = st.integers(0, N_WALLETS - 1)


class WalletMachine(RuleBasedStateMachine):
    engine_url: ClassVar[str]
    direct: ClassVar[Any]
    table: ClassVar[str]
    seen: ClassVar[dict[str, int]]

    def __init__(self) -> None:
        super().__init__()
        self.proxy: ProxyThread | None = None
        self.client: Any = None
        tag = uuid.uuid4().hex[:8]
        self.ids = [f"sm-{tag}-{i}" for i in range(N_WALLETS)]
        self.model: dict[str, Decimal] = {}

    @initialize(start=st.lists(st.integers(0, 100), min_size=N_WALLETS, max_size=N_WALLETS),
                throttle=RATES, throttling=RATES, error_500=RATES, drop=RATES, drop_after=RATES,
                seed=st.integers(0, 2**31))
    def setup(self, start: list[int], throttle: float, throttling: float, error_500: float,
              drop: float, drop_after: float, seed: int) -> None:
        for uid, b in zip(self.ids, start):
            W.create_wallet(self.direct, self.table, uid, b)
            self.model[uid] = Decimal(b)
        rates = dict(throttle_rate=throttle, throttling_rate=throttling, error_500_rate=error_500,
                     drop_rate=drop, drop_after_rate=drop_after)
        total = sum(rates.values())
        if total > 0.6:  # keep every call resolvable within a few safe retries
            rates = {k: v * 0.6 / total for k, v in rates.items()}
        self.proxy = ProxyThread(self.engine_url, FaultConfig(seed=seed, **rates)).start()
        conn = Connection(region="us-east-1").with_endpoint(self.proxy.url)
        # two attempts per call: retries run out often, so "unknown" and failed read-backs
        # happen. Legacy mode: DynamoDB's 25 ms base backoff and no retry quota (standard
        # mode's backoff of up to 2 s would make each example take seconds).
        self.client = new_client(conn, retry_mode="legacy", max_attempts=2, read_timeout=10,
                                 connect_timeout=5)

    def teardown(self) -> None:
        if self.proxy is not None:
            self.seen["injected"] += self.proxy.stats()["injected_total"]
            self.proxy.stop()

    # ------------------------------------------------------------ the operations
    def _run(self, op: W.WalletOp) -> None:
        out = W.execute(self.client, op)
        tries = 0
        while isinstance(out, W.Unknown):  # resolve it the way a user would: Retry safely
            self.seen["unknown"] += 1
            tries += 1
            assert tries < 60, out
            out = W.retry_safely(self.client, out)
        src_has = self.model[op.user_id]
        if isinstance(out, W.Applied):
            assert op.kind == "deposit" or src_has >= op.amount, (out, self.model)
            if op.kind == "deposit":
                self.model[op.user_id] += op.amount
            else:
                self.model[op.user_id] -= op.amount
            if op.to_id is not None:
                self.model[op.to_id] += op.amount
            if out.read_error is not None:
                self.seen["read_error"] += 1
            for uid, b in out.balances.items():
                assert b == self.model[uid], (out, self.model)
            self.seen["applied"] += 1
        else:
            assert out.code == "insufficient_funds", out
            assert op.kind != "deposit" and src_has < op.amount, (out, self.model)
            self.seen["refused"] += 1

    @rule(i=WALLET, amount=AMOUNTS)
    def deposit(self, i: int, amount: Decimal) -> None:
        self._run(W.deposit_op(self.table, self.ids[i], amount))

    @rule(i=WALLET, amount=AMOUNTS)
    def withdraw(self, i: int, amount: Decimal) -> None:
        self._run(W.withdraw_op(self.table, self.ids[i], amount))

    @rule(i=WALLET, j=WALLET, amount=AMOUNTS)
    def transfer(self, i: int, j: int, amount: Decimal) -> None:
        if i != j:
            self._run(W.transfer_op(self.table, self.ids[i], self.ids[j], amount))

    @invariant()
    def balances_match_the_model(self) -> None:
        if not self.model:
            return
        for uid, want in self.model.items():
            got = W.get_wallet(self.direct, self.table, uid)
            assert got is not None and got["balance"] == want, (uid, got, self.model)
            assert got["balance"] >= 0


def test_wallet_state_machine_under_faults(dynamodb_local_engine):
    direct = new_client(connection_for(dynamodb_local_engine))
    table = f"sm_{uuid.uuid4().hex[:10]}"
    T.create_table(direct, T.wallet_spec(table), wait=True)
    seen = dict.fromkeys(("applied", "refused", "unknown", "read_error", "injected"), 0)
    WalletMachine.engine_url = dynamodb_local_engine.endpoint_url
    WalletMachine.direct = direct
    WalletMachine.table = table
    WalletMachine.seen = seen
    try:
        run_state_machine_as_test(WalletMachine, settings=settings(
            max_examples=30, stateful_step_count=12, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        T.delete_table(direct, table)
    print("state machine:", seen)
    # the hard paths really ran
    assert seen["unknown"] > 0 and seen["read_error"] > 0 and seen["refused"] > 0, seen
