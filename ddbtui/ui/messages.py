"""Typed, past-tense messages that thread workers post back to their screen.

Workers never touch widgets: they call the data layer and post one of these (posting a
message is thread-safe); the screen's handler updates the widgets on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message  # dataclass messages: Message.__post_init__ sets it up


@dataclass(eq=False)
class EngineReady(Message):
    """The local engine answers (or the target needed no engine)."""

    connection: Any
    note: str = ""


@dataclass(eq=False)
class EngineFailed(Message):
    message: str


@dataclass(eq=False)
class KeyHintResolved(Message):
    hint: str


@dataclass(eq=False)
class TablesLoaded(Message):
    names: list[str]


@dataclass(eq=False)
class TableSummarized(Message):
    """One row of the tables list got its DescribeTable numbers (info None: gone)."""

    name: str
    info: Any  # ddbtui.dynamo.tables.TableInfo | None


@dataclass(eq=False)
class TableStatusChanged(Message):
    name: str
    status: str | None  # None: the table no longer exists


@dataclass(eq=False)
class TableDescribed(Message):
    info: Any  # TableInfo


@dataclass(eq=False)
class ItemsPageLoaded(Message):
    generation: int
    items: list[dict]
    last_key: dict | None
    scanned: int = 0
    final: bool = False  # the worker stops after this page (load-all cancelled or done)
    encoded: list[bytes] | None = None  # the items as compact DynamoDB JSON (ItemStore form)


@dataclass(eq=False)
class ItemsLoadStopped(Message):
    generation: int
    reason: str = ""


@dataclass(eq=False)
class ItemsDeleted(Message):
    indexes: list[int]
    requests: int
    resent: int
    requested: int = 0  # how many were asked for (more than `indexes` when stopped)


@dataclass(eq=False)
class WalletsSeeded(Message):
    count: int


@dataclass(eq=False)
class WalletsChanged(Message):
    """Wallet items as they are now (after a deposit, withdrawal or transfer)."""

    items: list[dict]
    summary: str
    severity: str = "information"  # "warning" for an outcome that is unknown


@dataclass(eq=False)
class WalletOpFinished(Message):
    """A wallet dialog's operation ended: outcome is a dynamo.wallet Applied / Refused / Unknown."""

    outcome: Any


@dataclass(eq=False)
class SeedProgressed(Message):
    done: int
    total: int


@dataclass(eq=False)
class SeedFinished(Message):
    result: Any  # ddbtui.dynamo.wallet.SeedResult


@dataclass(eq=False)
class WalletPeeked(Message):
    """A wallet dialog read the current balance of the wallet in one of its fields."""

    field: str
    user_id: str
    item: dict | None
    error: str | None = None


@dataclass(eq=False)
class ItemSaved(Message):
    item: dict


@dataclass(eq=False)
class ExportFinished(Message):
    path: str
    count: int
    format: str


@dataclass(eq=False)
class FormFailed(Message):
    """A form's worker failed with an error meant for the form (field may be None)."""

    message: str
    field: str | None = None


@dataclass(eq=False)
class StatementPageLoaded(Message):
    """One ExecuteStatement page of the PartiQL console (generation: which run)."""

    generation: int
    statement: str
    items: list[dict]
    next_token: str | None
    first: bool = True
    key_names: list[str] | None = None  # the table's key attributes (shown first)


@dataclass(eq=False)
class StatementsBatchDone(Message):
    """BatchExecuteStatement results, one per statement, in order."""

    generation: int
    results: list  # ddbtui.dynamo.transfer.BatchStatementResult


@dataclass(eq=False)
class StatementFailed(Message):
    generation: int
    message: str


@dataclass(eq=False)
class StatementsChecked(Message):
    """The PartiQL console's check of writes to wallet tables, before sending: `refusal` (one
    sentence; nothing is sent) or `warnings` (sent only after a confirmation)."""

    generation: int
    text: str
    statements: list[str]
    refusal: str | None
    warnings: list[str]


@dataclass(eq=False)
class PendingRetried(Message):
    """A pending wallet intent was resent with its token: outcome is Applied / Refused / Unknown."""

    token: str
    outcome: Any
