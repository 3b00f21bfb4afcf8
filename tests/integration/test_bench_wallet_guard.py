"""A benchmark never overwrites wallet balances (found from outside: `ddbtui bench --table
<wallet table> --force --workload wallets` replaced every wallet's balance).

`--force` still allows writing into another non-empty table; a wallet table that holds
balances is refused with one sentence on both run paths: the CLI's check before anything
starts and the engine's table preparation that the TUI's BenchSession goes through. The
balances are unchanged afterwards."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ddbtui.bench.runner import Settings
from ddbtui.bench.session import BenchSession
from tests.conftest import connection_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def wallets(moto_engine, client):
    name = f"wallets_{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    for i in range(5):
        client.put_item(TableName=name, Item={"user_id": {"S": f"user_{i:04d}"}, "balance": {"N": "100"}})
    return name


@pytest.fixture
def engine(moto_engine):
    return moto_engine


def _balances(client, name):
    return {it["user_id"]["S"]: it["balance"]["N"] for it in client.scan(TableName=name)["Items"]}


def test_cli_refuses_a_wallet_table_even_with_force(moto_engine, client, wallets):
    before = _balances(client, wallets)
    p = subprocess.run([sys.executable, "-m", "ddbtui.bench", "--endpoint-url", moto_engine.endpoint_url,
                        "--table", wallets, "--force", "--workload", "wallets", "--strategies", "sync",
                        "--items", "20", "--no-save", "--plain"],
                       capture_output=True, text=True, timeout=100, cwd=ROOT, check=False)
    assert p.returncode != 0, p.stdout
    assert f"table {wallets} is a wallet table holding balances" in p.stdout + p.stderr
    assert _balances(client, wallets) == before


def test_session_refuses_a_wallet_table_even_with_force(moto_engine, client, wallets):
    """The path the TUI takes (BenchSession -> engine -> table preparation)."""
    before = _balances(client, wallets)
    session = BenchSession(Settings(strategies=["sync"], items=20, workload="wallets", table=wallets, force=True),
                           connection_for(moto_engine))
    try:
        session.start()
        doc = session.finish(timeout=60)
    finally:
        session.close()
    assert doc is not None and "is a wallet table holding balances" in (doc.get("error") or ""), doc
    assert _balances(client, wallets) == before
