"""Snapshot baselines of the wallet dialogs (deposit, transfer) at 80x24 and 160x48, on the
seeded wallet engine of tests/ui/test_snapshots.py (same normalisation). An intended change:
`pytest tests/ui/test_snapshots_wallet.py --snapshot-update`, look at the SVGs, commit them."""

from __future__ import annotations

import pytest

from tests.ui.test_snapshots import SIZES, compare, make_app, open_wallets, wallets_engine  # noqa: F401 (fixture)


async def _dialog(pilot, key: str) -> None:
    await open_wallets(pilot)
    await pilot.press(key)
    for _ in range(100):  # the dialog reads the current balance in a worker
        await pilot.pause(0.05)
        if type(pilot.app.screen).__name__ != "ItemsScreen" and "…" not in str(pilot.app.screen.query("Static")):
            break
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", SIZES)
def test_deposit_dialog(snap_compare, wallets_engine, size):  # noqa: F811
    async def run(pilot):
        await _dialog(pilot, "p")
    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_transfer_dialog(snap_compare, wallets_engine, size):  # noqa: F811
    async def run(pilot):
        await _dialog(pilot, "t")
    assert compare(snap_compare, make_app(wallets_engine), size, run)
