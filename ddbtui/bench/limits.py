"""The limits of every numeric benchmark setting, in one table.

`ddbtui bench`'s argparse types, `Settings.validate()` and the TUI form's `parse_form` all
read `LIMITS`, so a limit is changed in one row and the CLI, the engine and the form agree
(they used to check items/concurrency/repeats in three places with three different ranges).
Fault-proxy limits live in the proxy's fault table (ddbtui.local.proxy).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from ddbtui.dynamo.codec import MAX_ITEM_BYTES


class LimitError(ValueError):
    """A value outside its row's range, or not a whole number; `field` names the setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Limit:
    field: str  # the Settings field (and the form field's name)
    option: str  # the CLI flag
    label: str  # the form's label
    lo: int
    hi: int
    why: str = ""  # what the upper bound protects, said when it is hit

    def check(self, value: int, who: str | None = None) -> int:
        """`value` if lo <= value <= hi, else LimitError with one sentence naming `who`."""
        if not self.lo <= value <= self.hi:
            why = f" ({self.why})" if self.why and value > self.hi else ""
            raise LimitError(self.field, f"{who or self.option} must be between {self.lo:,} and "
                                         f"{self.hi:,}{why}, got {value:,}")
        return value

    def parse(self, text: str, who: str | None = None) -> int:
        """A whole number from text ("10,000" and "10_000" are fine), checked."""
        who = who or self.option
        t = str(text).strip().replace(",", "").replace("_", "")
        if not t:
            raise LimitError(self.field, f"{who} is required")
        try:
            value = int(t)
        except ValueError:
            raise LimitError(self.field, f"{who} takes a whole number, got {text.strip()!r}") from None
        return self.check(value, who)

    def arg_type(self) -> Callable[[str], int]:
        """An argparse `type=` that rejects out-of-range values with this row's sentence."""
        def parse(text: str) -> int:
            try:
                return self.parse(text)
            except LimitError as e:
                raise argparse.ArgumentTypeError(e.message) from None
        parse.__name__ = self.field  # argparse names the type in some messages
        return parse


LIMITS: dict[str, Limit] = {lim.field: lim for lim in (
    Limit("items", "--items", "Items", 1, 10_000_000, "items are generated in memory"),
    Limit("concurrency", "--concurrency", "Concurrency", 1, 4096),
    Limit("repeat", "--repeat", "Repeats", 1, 100),
    Limit("item_bytes", "--item-bytes", "Item size", 0, MAX_ITEM_BYTES, "DynamoDB's 400 KB item limit"),
    Limit("max_attempts", "--max-attempts", "Max attempts", 1, 100),
    Limit("processes", "--processes", "Processes", 0, 1024),
    Limit("max_in_flight", "--max-in-flight", "Max in flight", 1, 4096),
    Limit("records", "--records", "Records", 0, 10_000_000, "records are generated in memory"),
)}
