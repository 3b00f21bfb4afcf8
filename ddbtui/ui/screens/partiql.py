"""PartiQL console: type a statement, ctrl+r runs it (ExecuteStatement, one page at a time;
several `;`-separated statements go through BatchExecuteStatement), results in the items
table widget; ctrl+n the next page, ctrl+s saves the statement in the config file, ctrl+o
picks a saved or recent one, ctrl+up / ctrl+down walk the history."""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ddbtui import userconfig
from ddbtui.dynamo.codec import display
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.dynamo.tables import describe_table
from ddbtui.dynamo.transfer import batch_execute, execute_statement, split_statements
from ddbtui.dynamo.wallet import check_wallet_statement, is_wallet_table, write_target
from ddbtui.ui.messages import StatementFailed, StatementPageLoaded, StatementsBatchDone, StatementsChecked
from ddbtui.ui.screens.confirm import ConfirmScreen
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.item_table import ItemTable
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.userconfig import append_history, load_history

CELL_MAX = 40
MAX_COLUMNS = 24
PAGE_LIMIT = 500  # items DynamoDB evaluates per ExecuteStatement page (keeps a page quick)
_READ_ONLY_OK = re.compile(r"^\s*(SELECT|EXISTS)\b", re.IGNORECASE)
_FROM = re.compile(r"\bFROM\s+(?:\"([^\"]+)\"|([A-Za-z0-9_.-]+))", re.IGNORECASE)


def _cell(value: Any) -> str:
    return escape(display(value, CELL_MAX))


class PartiqlScreen(DdbScreenMixin, Screen):
    CSS_PATH = "partiql.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # not priority bindings: the editor has none of these keys, and a priority binding
        # would overtake characters still queued for the editor (typed fast, or pasted)
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+n", "more", "Next page"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "open_saved", "Saved"),
        Binding("ctrl+up", "history(-1)", "History"),
        Binding("ctrl+down", "history(1)", "", show=False),
    ]

    def __init__(self, statement: str = "", page_limit: int | None = PAGE_LIMIT) -> None:
        super().__init__()
        self._initial = statement
        self.page_limit = page_limit
        self._gen = 0
        self._statement: str | None = None
        self._next_token: str | None = None
        self._running = False
        self._count = 0
        self._pages = 0
        self.columns: list[str] = []
        self._history: list[str] = []
        self._hist_pos = 0
        self._keys: dict[str, list[str]] = {}  # table -> key names (key columns first)
        self._wallet_tables: dict[str, bool] = {}  # table -> is a wallet table (user_id S key)

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Label("PartiQL console", classes="title")
        yield TextArea(self._initial, id="statement", soft_wrap=True, show_line_numbers=False,
                       placeholder='SELECT * FROM "wallets" WHERE user_id = \'u1\'')
        yield Static("ctrl+r runs · statements separated by ; run as one batch",
                     id="partiql-hint", classes="status-line", markup=False)
        yield ItemTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="partiql-status", classes="status-line", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#statement", TextArea).focus()
        self._history = _load_history()
        self._hist_pos = len(self._history)

    # ------------------------------------------------------------------ actions
    @property
    def editor(self) -> TextArea:
        return self.query_one("#statement", TextArea)

    @property
    def results(self) -> ItemTable:
        return self.query_one("#results", ItemTable)

    def _status(self, text: str, *, error: bool = False) -> None:
        st = self.query_one("#partiql-status", Static)
        st.update(text)
        st.set_class(error, "error")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_run(self) -> None:
        text = self.editor.text
        statements = split_statements(text)
        if not statements:
            self._status("Enter a PartiQL statement, e.g. SELECT * FROM \"wallets\"", error=True)
            self.editor.focus()
            return
        if getattr(self.app, "read_only", False):
            bad = next((s for s in statements if not _READ_ONLY_OK.match(s)), None)
            if bad is not None:
                self._status("Read-only mode: only SELECT statements run. Restart without --read-only "
                             "to change data.", error=True)
                return
        if any(write_target(st) for st in statements):
            # writes: check the wallet rules of the tables they touch first (a worker reads the
            # tables' keys); nothing is sent until that check answers
            self._gen += 1
            self._running = True
            self._status("checking the statement against the wallet rules…")
            self.check_wallet_rules(self._gen, text, statements)
            return
        self._send(text, statements)

    def _send(self, text: str, statements: list[str]) -> None:
        self._gen += 1
        self._statement = statements[0] if len(statements) == 1 else None
        self._next_token = None
        self._count = 0
        self._pages = 0
        self.columns = []
        self.results.clear(columns=True)
        self._running = True
        self._status(f"running {'the statement' if len(statements) == 1 else f'{len(statements)} statements'}…")
        self._remember(text.strip())
        if len(statements) == 1:
            self.execute(self._gen, statements[0], None, True)
        else:
            self.execute_batch(self._gen, statements)

    def action_more(self) -> None:
        if self._running:
            return
        if not (self._statement and self._next_token):
            self._status("No more pages: run a statement first (ctrl+r)" if not self._statement
                         else f"{self._count:,} items: that was the last page")
            return
        self._running = True
        self._status(f"{self._count:,} items · loading the next page…")
        self.execute(self._gen, self._statement, self._next_token, False)

    def action_history(self, step: int) -> None:
        if not self._history:
            self._status("No history yet: statements you run are remembered here")
            return
        self._hist_pos = max(0, min(len(self._history), self._hist_pos + step))
        text = self._history[self._hist_pos] if self._hist_pos < len(self._history) else ""
        self.editor.load_text(text)
        self.editor.move_cursor(self.editor.document.end)

    def action_save(self) -> None:
        text = self.editor.text.strip()
        if not text:
            self._status("Nothing to save: type a statement first", error=True)
            return

        def done(name: str | None) -> None:
            if name:
                self._save(name, text)

        self.app.push_screen(NameStatementScreen(), done)

    def _save(self, name: str, text: str) -> None:
        try:
            userconfig.save_statement(name, text)
        except DdbError as e:
            self._status(f"Not saved: {e.message}", error=True)
            return
        except OSError as e:
            self._status(f"Not saved: cannot write {userconfig.config_path()}: {e.strerror}", error=True)
            return
        self._status(f"Saved as {name!r} in {userconfig.config_path()}")

    def action_open_saved(self) -> None:
        try:
            saved = userconfig.load().statements
        except DdbError as e:
            self._status(e.message, error=True)
            saved = []
        recent = list(reversed(self._history))[:30]
        if not saved and not recent:
            self._status("Nothing saved yet: ctrl+s saves the statement in the editor")
            return

        def picked(text: str | None) -> None:
            if text:
                self.editor.load_text(text)
                self.editor.focus()

        self.app.push_screen(PickStatementScreen([(s.name, s.statement) for s in saved], recent), picked)

    def _remember(self, text: str) -> None:
        if not self._history or self._history[-1] != text:
            self._history.append(text)
            _append_history(text)
        self._hist_pos = len(self._history)

    # ------------------------------------------------------------------ workers
    @work(group="partiql", thread=True, exit_on_error=False)
    def execute(self, gen: int, statement: str, token: str | None, first: bool) -> None:
        app: Any = self.app
        try:
            page = execute_statement(app.client(), statement, next_token=token, limit=self.page_limit)
            keys = self._key_names(app.client(), statement) if first else []
        except Exception as e:
            conn = app.connection
            self.post_message(StatementFailed(gen, explain(e, target=conn.describe(), region=conn.region)))
            return
        self.post_message(StatementPageLoaded(gen, statement, page.items, page.next_token, first, keys))

    def _key_names(self, client: Any, statement: str) -> list[str]:
        """Key attribute names of the statement's table (shown first), [] when unknown."""
        m = _FROM.search(statement)
        if not m:
            return []
        name = (m.group(1) or m.group(2)).split(".")[0]
        if name not in self._keys:
            try:
                self._keys[name] = describe_table(client, name).key_names
            except Exception:
                self._keys[name] = []
        return self._keys[name]

    @work(group="partiql", thread=True, exit_on_error=False)
    def check_wallet_rules(self, gen: int, text: str, statements: list[str]) -> None:
        app: Any = self.app
        refusal: str | None = None
        warnings: list[str] = []
        for i, st in enumerate(statements, 1):
            name = write_target(st)
            if name is None:
                continue
            if name not in self._wallet_tables:
                try:
                    self._wallet_tables[name] = is_wallet_table(app.client(), name)
                except Exception:
                    self._wallet_tables[name] = False  # DynamoDB will say what is wrong with it
            if not self._wallet_tables[name]:
                continue
            check = check_wallet_statement(st)
            where = f"statement {i}" if len(statements) > 1 else "the statement"
            if check.verdict == "refuse":
                refusal = (f"Not sent: {where} writes to the wallet table {name}: {check.reason}. "
                           f"Nothing was sent.")
                break
            if check.verdict == "warn":
                warnings.append(f"{where[0].upper()}{where[1:]} writes to the wallet table {name}: {check.reason}.")
        self.post_message(StatementsChecked(gen, text, statements, refusal, warnings))

    def on_statements_checked(self, msg: StatementsChecked) -> None:
        if msg.generation != self._gen:
            return
        self._running = False
        if msg.refusal:
            self._status(msg.refusal, error=True)
            return
        if not msg.warnings:
            self._send(msg.text, msg.statements)
            return
        self._status("Waiting for your confirmation: the statement bypasses the wallet rules")

        def answered(ok: bool | None) -> None:
            if ok:
                self._send(msg.text, msg.statements)
            else:
                self._status("Not sent: the statement would bypass the wallet rules. Deposit (p), "
                             "withdraw (w) and transfer (t) on the items screen keep them.")

        self.app.push_screen(ConfirmScreen(
            "Bypass the wallet rules?",
            "\n".join(msg.warnings) + "\n\nDynamoDB will apply it as written: the balance may become "
            "negative or text, and the wallet operations will then refuse that wallet. Send it anyway?",
            confirm="Send anyway", variant="warning"), answered)

    @work(group="partiql", thread=True, exit_on_error=False)
    def execute_batch(self, gen: int, statements: list[str]) -> None:
        app: Any = self.app
        try:
            results = batch_execute(app.client(), statements)
        except Exception as e:
            conn = app.connection
            self.post_message(StatementFailed(gen, explain(e, target=conn.describe(), region=conn.region)))
            return
        self.post_message(StatementsBatchDone(gen, results))

    def on_statement_page_loaded(self, msg: StatementPageLoaded) -> None:
        if msg.generation != self._gen:
            return
        self._running = False
        self._pages += 1
        self._next_token = msg.next_token
        self._append(msg.items, msg.key_names)
        more = " · more: ctrl+n" if msg.next_token else ""
        if not self._count and not msg.next_token:
            self._status("Done: the statement returned no items")
        else:
            self._status(f"{self._count:,} items in {self._pages} page{'s' if self._pages > 1 else ''}{more}")

    def on_statements_batch_done(self, msg: StatementsBatchDone) -> None:
        if msg.generation != self._gen:
            return
        self._running = False
        self._append([r.item for r in msg.results if r.item])
        failed = [(i, r) for i, r in enumerate(msg.results, 1) if r.error]
        ok = len(msg.results) - len(failed)
        text = f"batch: {ok} of {len(msg.results)} statements succeeded"
        if failed:
            i, r = failed[0]
            text += f"; statement {i} failed: {r.error}"
        self._status(text, error=bool(failed))

    def on_statement_failed(self, msg: StatementFailed) -> None:
        if msg.generation != self._gen:
            return
        self._running = False
        self._status(msg.message, error=True)

    # ------------------------------------------------------------------ rows
    def _append(self, items: list[dict], first_columns: list[str] | None = None) -> None:
        if not items:
            return
        table = self.results
        first = not self.columns
        names = [k for k in first_columns or [] if any(k in i for i in items)]
        names += [k for i in items for k in i]
        for k in dict.fromkeys(names):
            if k not in self.columns and len(self.columns) < MAX_COLUMNS:
                sample = [len(_cell(i[k])) for i in items[:200] if k in i]
                width = min(max([len(k), 4] + sample), CELL_MAX)
                table.add_column(escape(k), key=k, width=width,
                                 default="" if first and not self._count else "[dim]·[/]")
                self.columns.append(k)
        for item in items:
            table.add_row(*[_cell(item[c]) if c in item else "[dim]·[/]" for c in self.columns],
                          key=str(self._count))
            self._count += 1


class NameStatementScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="name-statement-dialog"):
            yield Label("Save statement", classes="dialog-title")
            yield Static("A name for it (saving again under a name replaces it):", classes="help")
            yield Input(placeholder="e.g. rich users", id="statement-name")
            yield Static("", id="name-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#statement-name", Input).focus()

    @on(Input.Submitted, "#statement-name")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        name = self.query_one("#statement-name", Input).value.strip()
        if not name:
            self.query_one("#name-error", Static).update("Enter a name")
            return
        self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PickStatementScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, saved: list[tuple[str, str]], recent: list[str]) -> None:
        super().__init__()
        self._texts: list[str] = []
        self._options: list[Option | None] = []
        if saved:
            self._options.append(Option("[b]saved[/]", disabled=True))
            for name, text in saved:
                self._add(f"{escape(name)}  [dim]{escape(_one_line(text))}[/]", text)
        if recent:
            self._options.append(Option("[b]recent[/]", disabled=True))
            for text in recent:
                self._add(escape(_one_line(text)), text)

    def _add(self, prompt: str, text: str) -> None:
        self._options.append(Option(prompt, id=str(len(self._texts))))
        self._texts.append(text)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pick-statement-dialog"):
            yield Label("Saved and recent statements", classes="dialog-title")
            yield OptionList(*self._options, id="statements")
        yield KeyFooter()

    def on_mount(self) -> None:
        ol = self.query_one("#statements", OptionList)
        ol.focus()
        ol.highlighted = next(i for i, o in enumerate(self._options) if o is not None and not o.disabled)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._texts[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _one_line(text: str, n: int = 70) -> str:
    s = " ".join(text.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _load_history() -> list[str]:
    return load_history()


def _append_history(text: str) -> None:
    try:
        append_history(text)
    except OSError:
        pass  # history is a convenience: a read-only data dir must not break the console
