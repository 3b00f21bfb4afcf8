"""The create-table form: inline messages under each field, nothing sent until valid.

Validation is `TableSpec.validate()` (the data layer's rules, the same ones the CLI uses);
its ValidationError names the field, and the message appears right under that field.
Returns the validated TableSpec (the tables screen creates it and shows CREATING).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.tables import GsiSpec, KeySpec, TableSpec
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin

KEY_TYPES = [("S string", "S"), ("N number", "N"), ("B binary", "B")]
BILLING = [("On-demand (pay per request)", "PAY_PER_REQUEST"), ("Provisioned", "PROVISIONED")]
PROJECTIONS = [("ALL", "ALL"), ("KEYS_ONLY", "KEYS_ONLY")]


def parse_tags(text: str) -> dict[str, str]:
    """`env=dev, team=payments` -> {"env": "dev", "team": "payments"}."""
    tags: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValidationError(f"tag {part!r} needs a value: write key=value, separated by commas",
                                  field="tags")
        k, v = part.split("=", 1)
        k = k.strip()
        if not k:
            raise ValidationError(f"tag {part!r} has no key", field="tags")
        if k in tags:
            raise ValidationError(f"tag {k!r} is given twice", field="tags")
        tags[k] = v.strip()
    return tags


class GsiRow(Vertical):
    """One global secondary index: name, keys, projection, remove; its own error line."""

    DEFAULT_CSS = """
    GsiRow { height: auto; }
    GsiRow > Horizontal { height: auto; }
    GsiRow Input { width: 1fr; }
    GsiRow Select { width: 14; }
    GsiRow .gsi-proj { width: 15; }
    GsiRow Button { min-width: 5; width: 5; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(placeholder="index name", classes="gsi-name", compact=True)
            yield Input(placeholder="partition key", classes="gsi-pk", compact=True)
            yield Select(KEY_TYPES, value="S", allow_blank=False, classes="gsi-pk-type", compact=True)
            yield Input(placeholder="sort key (opt.)", classes="gsi-sk", compact=True)
            yield Select(KEY_TYPES, value="S", allow_blank=False, classes="gsi-sk-type", compact=True)
            yield Select(PROJECTIONS, value="ALL", allow_blank=False, classes="gsi-proj", compact=True)
            yield Button("✕", classes="gsi-remove", compact=True, tooltip="remove this index")
        yield FieldError(classes="gsi-error")

    def spec(self) -> GsiSpec:
        v = lambda cls: self.query_one(f".{cls}").value  # noqa: E731
        sk = v("gsi-sk").strip()
        return GsiSpec(name=v("gsi-name"), partition_key=KeySpec(v("gsi-pk"), v("gsi-pk-type")),
                       sort_key=KeySpec(sk, v("gsi-sk-type")) if sk else None,
                       projection=v("gsi-proj"))

    def focus_field(self, field: str) -> None:
        part = field.split("_", 1)[1] if "_" in field else "name"
        cls = {"name": "gsi-name", "pk_name": "gsi-pk", "pk_type": "gsi-pk-type", "sk_name": "gsi-sk",
               "sk_type": "gsi-sk-type", "projection": "gsi-proj"}.get(part, "gsi-name")
        self.query_one(f".{cls}").focus()


class CreateTableScreen(FormMixin, ModalScreen[TableSpec | None]):
    CSS_PATH = "create_table.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Create"),
        Binding("f2", "wallet_preset", "Wallet preset"),
        Binding("ctrl+g", "add_gsi", "Add GSI"),
    ]

    def __init__(self, existing: set[str] | None = None) -> None:
        super().__init__()
        self.existing = set(existing or ())

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="create-dialog"):
            yield Label("Create table", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                with Horizontal(classes="row"):
                    yield Field("Table name (3-255 of a-z A-Z 0-9 _ . -)",
                                Input(placeholder="e.g. wallets", id="table_name"), name="table_name")
                    yield Button("Wallet table preset", id="preset-wallet", classes="preset")
                with Horizontal(classes="row"):
                    yield Field("Partition key", Input(placeholder="e.g. user_id", id="pk_name"), name="pk_name")
                    yield Field("Type", Select(KEY_TYPES, value="S", allow_blank=False, id="pk_type"),
                                name="pk_type", classes="type")
                with Horizontal(classes="row"):
                    yield Field("Sort key (optional)", Input(placeholder="none", id="sk_name"), name="sk_name")
                    yield Field("Type", Select(KEY_TYPES, value="S", allow_blank=False, id="sk_type"),
                                name="sk_type", classes="type")
                with Horizontal(classes="row"):
                    yield Field("Billing mode", Select(BILLING, value="PAY_PER_REQUEST", allow_blank=False,
                                                       id="billing_mode"), name="billing_mode")
                    yield Field("Read capacity", Input("5", id="rcu", disabled=True), name="rcu",
                                classes="capacity")
                    yield Field("Write capacity", Input("5", id="wcu", disabled=True), name="wcu",
                                classes="capacity")
                with Horizontal(classes="row section"):
                    yield Label("Global secondary indexes", classes="section-title")
                    yield Button("+ Add GSI", id="add-gsi", compact=True)
                yield Vertical(id="gsis")
                with Horizontal(classes="row"):
                    yield Field("TTL attribute (optional)", Input(placeholder="e.g. expires_at", id="ttl"),
                                name="ttl")
                    yield Field("Tags (key=value, comma separated)",
                                Input(placeholder="env=dev, team=payments", id="tags"), name="tags")
                yield FieldError(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", variant="primary", id="create")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#table_name", Input).focus()

    # ------------------------------------------------------------------ form events
    @on(Select.Changed, "#billing_mode")
    def _billing_changed(self, event: Select.Changed) -> None:
        provisioned = event.value == "PROVISIONED"
        for wid in ("#rcu", "#wcu"):
            self.query_one(wid, Input).disabled = not provisioned

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#create")
    def _create_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#preset-wallet")
    def action_wallet_preset(self) -> None:
        name = self.query_one("#table_name", Input)
        if not name.value.strip():
            name.value = "wallets"
        self.query_one("#pk_name", Input).value = "user_id"
        self.query_one("#pk_type", Select).value = "S"
        self.query_one("#sk_name", Input).value = ""
        self.query_one("#billing_mode", Select).value = "PAY_PER_REQUEST"
        self.query_one("#gsis").remove_children()
        self.clear_errors()
        self.notify("Wallet preset: user_id (S) partition key, on-demand. Seed wallets from the items screen.",
                    markup=False)

    @on(Button.Pressed, "#add-gsi")
    async def action_add_gsi(self) -> None:
        rows = self.query_one("#gsis")
        if len(rows.children) >= 20:
            self.show_field_error("gsis", "at most 20 global secondary indexes per table")
            return
        row = GsiRow()
        await rows.mount(row)
        row.query_one(".gsi-name").focus()

    @on(Button.Pressed, ".gsi-remove")
    def _remove_gsi(self, event: Button.Pressed) -> None:
        row = next((a for a in event.button.ancestors if isinstance(a, GsiRow)), None)
        if row is not None:
            row.remove()

    # ------------------------------------------------------------------ submit
    def gsi_rows(self) -> list[GsiRow]:
        return list(self.query_one("#gsis").query_children(GsiRow))

    def build_spec(self) -> TableSpec:
        """The validated spec, or ValidationError naming the field."""
        val = lambda wid: self.query_one(f"#{wid}").value  # noqa: E731
        provisioned = val("billing_mode") == "PROVISIONED"
        tags = parse_tags(val("tags"))
        sk = val("sk_name").strip()
        spec = TableSpec(
            name=val("table_name"),
            partition_key=KeySpec(val("pk_name"), val("pk_type")),
            sort_key=KeySpec(sk, val("sk_type")) if sk else None,
            billing_mode=val("billing_mode"),
            read_capacity=val("rcu") if provisioned else None,
            write_capacity=val("wcu") if provisioned else None,
            gsis=[row.spec() for row in self.gsi_rows()],
            ttl_attribute=val("ttl").strip() or None,
            tags=tags,
        )
        spec.validate()
        if spec.name in self.existing:
            raise ValidationError(f"a table named {spec.name!r} already exists", field="table_name")
        return spec

    _submitted = False  # one table per intent: a second Enter / ctrl+s queued behind is ignored

    def action_submit(self) -> None:
        if self._submitted:
            return
        try:
            spec = self.build_spec()
        except ValidationError as e:
            self.show_error(e.field, e.message)
            return
        self._submitted = True
        self.dismiss(spec)

    def show_error(self, field: str | None, message: str) -> None:
        """Put the message under its field (GSI messages under their row) and focus it."""
        if field and field.startswith("gsi") and field[3:4].isdigit():
            idx = int(field[3:].split("_", 1)[0])
            rows = self.gsi_rows()
            if idx < len(rows):
                self.clear_errors()
                rows[idx].query_one(".gsi-error", FieldError).show(message)
                rows[idx].focus_field(field)
                rows[idx].scroll_visible()
                return
        self.show_field_error(field, message)
        if field:
            found = self.query(f"#{field}")
            if found:
                found.first().focus()
