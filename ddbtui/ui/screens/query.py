"""The query form: table or index, partition key value, sort-key condition, filter.

Typed input follows the key's type from DescribeTable (`index_keys`): N values become exact
Decimals (codec.to_number), B values are entered as base64. With no partition key value the
form runs a Scan (with the filter, if any) on the chosen table or index.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.items import SORT_OPS
from ddbtui.dynamo.tables import index_keys
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin

NO_CONDITION = "none"


@dataclass
class QuerySpec:
    """What to read: a Query (pk_value given) or a Scan, on the table or an index."""

    index: str | None = None
    pk_name: str | None = None
    pk_value: Any = None
    sk_name: str | None = None
    sk_op: str | None = None
    sk_values: tuple = ()
    filter_expression: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_query(self) -> bool:
        return self.pk_name is not None

    def describe(self) -> str:
        on_ = f" on index {self.index}" if self.index else ""
        if not self.is_query:
            what = f"scan{on_}"
        else:
            what = f"query{on_}: {self.pk_name} = {codec.display(self.pk_value, 30)}"
            if self.sk_op:
                vals = " AND ".join(codec.display(v, 20) for v in self.sk_values)
                what += (f", begins_with({self.sk_name}, {vals})" if self.sk_op == "begins_with"
                         else f", {self.sk_name} {self.sk_op} {vals}")
        if self.filter_expression:
            what += f", filter {self.filter_expression}"
        return what


def typed_key_value(text: str, key_type: str, *, field: str, what: str) -> Any:
    """Text typed by a person -> the key's DynamoDB type."""
    if key_type == "N":
        if not text.strip():
            raise ValidationError(f"enter a number for {what}", field=field)
        return codec.to_number(text.strip(), field=field)
    if key_type == "B":
        try:
            return base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(f"{what} is binary: enter it as base64 text", field=field) from None
    if text == "":
        raise ValidationError(f"enter a value for {what}", field=field)
    return text


def parse_json_object(text: str, *, field: str, prefix: str, what: str) -> dict:
    text = (text or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"{what}: invalid JSON at column {e.colno}: {e.msg}", field=field) from None
    if not isinstance(data, dict):
        raise ValidationError(f'{what} must be a JSON object like {{"{prefix}x": ...}}', field=field)
    for k in data:
        if not k.startswith(prefix) or len(k) < 2:
            raise ValidationError(f"{what}: placeholder {k!r} must start with {prefix}", field=field)
    return data


class QueryScreen(FormMixin, ModalScreen[QuerySpec | None]):
    CSS_PATH = "query.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Run")]

    def __init__(self, info, previous: QuerySpec | None = None) -> None:
        super().__init__()
        self.info = info
        self.previous = previous

    def compose(self) -> ComposeResult:
        indexes = [(f"table {self.info.name}", "")]
        indexes += [(f"GSI {g['IndexName']}", g["IndexName"]) for g in self.info.gsis]
        indexes += [(f"LSI {g['IndexName']}", g["IndexName"]) for g in self.info.lsis]
        ops = [("no sort key condition", NO_CONDITION)] + [(op, op) for op in SORT_OPS]
        with Vertical(classes="dialog", id="query-dialog"):
            yield Label(f"Query {self.info.name}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Field("Read from", Select(indexes, value="", allow_blank=False, id="index"), name="index")
                yield Static("", id="key-help", classes="help")
                yield Field("Partition key value (empty: scan)", Input(id="pk_value"), name="pk_value")
                with Horizontal(classes="row"):
                    yield Field("Sort key condition", Select(ops, value=NO_CONDITION, allow_blank=False,
                                                             id="sk_op"), name="sk_op", classes="op")
                    yield Field("Value", Input(id="sk_value"), name="sk_value")
                    yield Field("and (BETWEEN)", Input(id="sk_value2", disabled=True), name="sk_value2")
                yield Field("Filter expression (optional)",
                            Input(placeholder="e.g. balance > :min AND attribute_exists(email)",
                                  id="filter_expression"), name="filter_expression")
                with Horizontal(classes="row"):
                    yield Field("Values as JSON", Input(placeholder='{":min": 100}', id="values"), name="values")
                    yield Field("Names as JSON (optional)", Input(placeholder='{"#n": "name"}', id="names"),
                                name="names")
                yield FieldError(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Run", variant="primary", id="run")
        yield KeyFooter()

    def on_mount(self) -> None:
        p = self.previous
        if p is not None:
            self.query_one("#index", Select).value = p.index or ""
            if p.is_query:
                self.query_one("#pk_value", Input).value = codec.display(p.pk_value, 10_000)
            if p.sk_op:
                self.query_one("#sk_op", Select).value = p.sk_op
                self.query_one("#sk_value", Input).value = codec.display(p.sk_values[0], 10_000)
                if len(p.sk_values) > 1:
                    self.query_one("#sk_value2", Input).value = codec.display(p.sk_values[1], 10_000)
            self.query_one("#filter_expression", Input).value = p.filter_expression or ""
            if p.values:
                self.query_one("#values", Input).value = codec.item_to_plain_json(p.values, indent=None)
            if p.names:
                self.query_one("#names", Input).value = json.dumps(p.names)
        self._update_help()
        self.query_one("#pk_value", Input).focus()

    def _keys(self):
        idx = self.query_one("#index", Select).value or None
        return index_keys(self.info, idx)

    def _update_help(self) -> None:
        pk, sk = self._keys()
        text = f"partition key {pk.name} ({pk.type})"
        text += f" · sort key {sk.name} ({sk.type})" if sk else " · no sort key"
        self.query_one("#key-help", Static).update(text)
        self.query_one("#pk_value", Input).placeholder = f"{pk.name} ({pk.type})"
        self.query_one("#sk_value", Input).placeholder = f"{sk.name} ({sk.type})" if sk else "—"

    @on(Select.Changed, "#index")
    def _index_changed(self) -> None:
        self._update_help()

    @on(Select.Changed, "#sk_op")
    def _op_changed(self, event: Select.Changed) -> None:
        self.query_one("#sk_value2", Input).disabled = event.value != "BETWEEN"

    @on(Input.Submitted)
    @on(Button.Pressed, "#run")
    def action_submit(self) -> None:
        try:
            spec = self.build()
        except ValidationError as e:
            self.show_field_error(e.field, e.message)
            if e.field and self.query(f"#{e.field}"):
                self.query_one(f"#{e.field}").focus()
            return
        self.dismiss(spec)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def build(self) -> QuerySpec:
        val = lambda wid: self.query_one(f"#{wid}").value  # noqa: E731
        index = val("index") or None
        pk, sk = self._keys()
        op = val("sk_op")
        spec = QuerySpec(index=index)
        pk_text = val("pk_value")
        if pk_text.strip():
            spec.pk_name = pk.name
            spec.pk_value = typed_key_value(pk_text, pk.type, field="pk_value", what=pk.name)
        elif op != NO_CONDITION:
            raise ValidationError("a sort key condition needs a partition key value", field="pk_value")
        if op != NO_CONDITION:
            if sk is None:
                raise ValidationError("this table or index has no sort key", field="sk_op")
            if op == "begins_with" and sk.type == "N":
                raise ValidationError("begins_with works on string and binary keys, not numbers",
                                      field="sk_op")
            first = typed_key_value(val("sk_value"), sk.type, field="sk_value", what=sk.name)
            values: tuple = (first,)
            if op == "BETWEEN":
                second = typed_key_value(val("sk_value2"), sk.type, field="sk_value2", what=sk.name)
                values = (first, second)
            spec.sk_name, spec.sk_op, spec.sk_values = sk.name, op, values
        flt = val("filter_expression").strip()
        spec.values = {k: v for k, v in parse_json_object(val("values"), field="values", prefix=":",
                                                          what="values").items()}
        spec.names = {k: str(v) for k, v in parse_json_object(val("names"), field="names", prefix="#",
                                                              what="names").items()}
        if (spec.values or spec.names) and not flt:
            raise ValidationError("values and names are for the filter expression: write one",
                                  field="filter_expression")
        for k in spec.values:
            if k not in flt:
                raise ValidationError(f"value {k} is not used in the filter expression", field="values")
        spec.filter_expression = flt or None
        if flt:
            for token in _placeholders(flt, ":"):
                if token not in spec.values:
                    raise ValidationError(f"the filter uses {token}: give its value in Values as JSON",
                                          field="values")
        for v in spec.values.values():
            codec.serialize(v, field="values")
        return spec


def _placeholders(expr: str, prefix: str) -> set[str]:
    return set(re.findall(re.escape(prefix) + r"[A-Za-z0-9_]+", expr))
