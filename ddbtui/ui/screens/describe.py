"""Describe a table: everything DescribeTable, DescribeTimeToLive and ListTagsOfResource
return, readable first (summary, indexes, TTL, tags, then every field by path), with a raw
JSON toggle."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any, Iterator

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static, TextArea

from ddbtui.dynamo.tables import describe_table
from ddbtui.local.proxy.capacity import explain_capacity
from ddbtui.ui.format import billing_text, human_bytes
from ddbtui.ui.messages import TableDescribed
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.footer import KeyFooter


def _scalar(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float, Decimal)):
        return f"{v:,}" if isinstance(v, int) else str(v)
    return str(v)


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every leaf of a response as (path, text): dicts by key, lists by [index]."""
    if isinstance(obj, dict):
        if not obj:
            yield prefix, "{}"
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        if not obj:
            yield prefix, "[]"
        elif all(not isinstance(x, (dict, list)) for x in obj):
            yield prefix, ", ".join(_scalar(x) for x in obj)
        else:
            for i, v in enumerate(obj):
                yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, _scalar(obj)


def _kv_table(title: str, rows: list[tuple[str, str]]) -> Group:
    t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0), expand=False)
    t.add_column(style="cyan", no_wrap=True)
    t.add_column(overflow="fold")
    for k, v in rows:
        t.add_row(k, Text(v))
    return Group(Text(title, style="bold underline"), t)


def _keys_text(schema: list[dict], attrs: dict[str, str]) -> str:
    parts = []
    for k in schema:
        role = "partition" if k["KeyType"] == "HASH" else "sort"
        parts.append(f"{k['AttributeName']} ({attrs.get(k['AttributeName'], '?')}, {role})")
    return ", ".join(parts)


def render_info(info) -> Group:
    t = info.raw["Table"]
    attrs = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    summary = [
        ("Name", info.name),
        ("Status", info.status),
        ("ARN", info.arn or "—"),
        ("Table ID", t.get("TableId", "—")),
        ("Created", _scalar(info.created) if info.created else "—"),
        ("Keys", _keys_text(t.get("KeySchema", []), attrs)),
        ("Attribute definitions", ", ".join(f"{k} {v}" for k, v in attrs.items())),
        ("Billing", billing_text(info)),
        ("Item count", f"{info.item_count:,} (DynamoDB's estimate, refreshed about every 6 hours on AWS)"),
        ("Size", f"{human_bytes(info.size_bytes)} ({info.size_bytes:,} bytes)"),
        ("Table class", (t.get("TableClassSummary") or {}).get("TableClass", "STANDARD (default)")),
        ("Deletion protection", _scalar(t.get("DeletionProtectionEnabled", False))),
        ("Stream", (f"{info.stream.get('StreamViewType', '')} ({t.get('LatestStreamArn', '')})"
                    if info.stream and info.stream.get("StreamEnabled") else "disabled")),
    ]
    parts: list[Any] = [_kv_table("Table", summary), Text()]
    for kind, idx_list in (("Global secondary index", info.gsis), ("Local secondary index", info.lsis)):
        for g in idx_list:
            pt = g.get("ProvisionedThroughput") or {}
            rows = [
                ("Keys", _keys_text(g.get("KeySchema", []), attrs)),
                ("Projection", g.get("Projection", {}).get("ProjectionType", "?")
                 + (f" + {', '.join(g['Projection']['NonKeyAttributes'])}"
                    if g.get("Projection", {}).get("NonKeyAttributes") else "")),
                ("Status", g.get("IndexStatus", "ACTIVE")),
                ("Item count", f"{g.get('ItemCount', 0):,}"),
                ("Size", human_bytes(g.get("IndexSizeBytes", 0))),
            ]
            if pt.get("ReadCapacityUnits"):
                rows.append(("Capacity", f"{pt['ReadCapacityUnits']} RCU / {pt['WriteCapacityUnits']} WCU"))
            parts += [_kv_table(f"{kind} {g['IndexName']}", rows), Text()]
    if not info.gsis and not info.lsis:
        parts += [_kv_table("Indexes", [("Secondary indexes", "none")]), Text()]
    ttl = info.ttl or {}
    parts += [_kv_table("Time to live (DescribeTimeToLive)", [
        ("Status", ttl.get("TimeToLiveStatus", "unknown")),
        ("Attribute", ttl.get("AttributeName", "—")),
    ]), Text()]
    tag_rows = [(k, v) for k, v in info.tags.items()] or [
        ("(not available)", info.tags_note) if getattr(info, "tags_note", None) else ("(none)", "")]
    parts += [_kv_table("Tags (ListTagsOfResource)", tag_rows), Text()]
    parts += [_kv_table("Modelled capacity (what --capacity-model aws applies; local engines never throttle)",
                        _capacity_rows(t)), Text()]
    parts.append(_kv_table("Every DescribeTable field", list(flatten(t))))
    return Group(*parts)


def _capacity_rows(t: dict) -> list[tuple[str, str]]:
    try:
        rows = explain_capacity({"Table": t})
    except (KeyError, TypeError, ValueError) as e:  # a table description this model cannot read
        return [("(not available)", f"the capacity model could not read this table: {e!r}")]
    pt = t.get("ProvisionedThroughput") or {}
    if "NumberOfDecreasesToday" in pt and any(k == "Decreases" for k, _ in rows):
        rows.append(("Decreases today", f"{pt['NumberOfDecreasesToday']} (DescribeTable)"))
    return rows


def raw_json(info) -> str:
    """What the three calls returned. When ListTagsOfResource failed there is no tag list to
    show: say why instead of an empty "Tags": [] that the engine never sent."""
    raw = dict(info.raw)
    if getattr(info, "tags_note", None):
        raw.pop("Tags", None)
        raw["ListTagsOfResource"] = {"not available": info.tags_note}
    return json.dumps(raw, indent=2, default=lambda o: o.isoformat() if isinstance(o, dt.datetime)
                      else str(o))


class DescribeScreen(DdbScreenMixin, Screen):
    CSS_PATH = "describe.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("j", "toggle_raw", "Raw JSON"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.info = None

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Label(f"Table {self.table}", classes="title", markup=False)
        with VerticalScroll(id="readable"):
            yield Static("Loading…", id="describe-body")
        yield TextArea("", id="raw", read_only=True, show_line_numbers=True)
        yield Static("j: raw JSON  ·  r: refresh  ·  escape: back", classes="status-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#raw").display = False
        self.action_refresh()

    def action_refresh(self) -> None:
        self.describe()

    @work(group="describe", thread=True, exit_on_error=False)
    def describe(self) -> None:
        self.post_message(TableDescribed(describe_table(self.app.client(), self.table)))

    def on_table_described(self, msg: TableDescribed) -> None:
        self.info = msg.info
        self.query_one("#describe-body", Static).update(render_info(msg.info))
        self.query_one("#raw", TextArea).load_text(raw_json(msg.info))

    def readable_text(self, width: int = 118) -> str:
        """The readable view as plain text (tests, copy-paste)."""
        if self.info is None:
            return ""
        console = Console(file=io.StringIO(), width=width, color_system=None)
        console.print(render_info(self.info))
        return console.file.getvalue()

    def action_toggle_raw(self) -> None:
        raw = self.query_one("#raw", TextArea)
        readable = self.query_one("#readable")
        raw.display = not raw.display
        readable.display = not raw.display
        (raw if raw.display else readable).focus()
