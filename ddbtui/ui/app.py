"""DdbApp: the Textual application.

Start-up order (see cli.cmd_tui): the local engine child is already launched; the first
frame is drawn at once with the tables screen saying the engine is starting, and a thread
worker waits for the engine (`engine.wait_ready()`), then switches the connection to its
endpoint and the tables screen loads. Nothing here imports boto3 before the first frame.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ddbtui import paths, userconfig
from ddbtui.config import Connection
from ddbtui.dynamo.clients import access_key_hint, client_for
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.ui.messages import EngineFailed, EngineReady, KeyHintResolved
from ddbtui.ui.screens.tables import TablesScreen


def _tables_screen() -> Screen:
    return TablesScreen()


def _bench_screen() -> Screen:
    from ddbtui.ui.screens.bench import BenchScreen  # lazy: start-up (the bench screens pull plotext)

    return BenchScreen()


class DdbApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ddbtui"
    SCREENS = {"bench": _bench_screen}
    # a mode (not get_default_screen) so that the tables screen's CSS_PATH is loaded
    MODES = {"tables": _tables_screen}
    DEFAULT_MODE = "tables"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+b", "benchmark", "Benchmark", show=False),
        Binding("ctrl+l", "partiql", "PartiQL", show=False),
    ]

    connection = var(None, init=False)  # ddbtui.config.Connection
    key_hint = var("", init=False)  # access key id / "local" (never the secret)
    engine_state = var("ready", init=False)  # starting | ready | failed
    engine_note = var("", init=False)
    ready = var(False, init=False)  # the connection can be used

    def __init__(self, connection=None, engine=None, read_only: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        if connection is None:
            connection = Connection(local_credentials=True)
        self.set_reactive(DdbApp.connection, connection)
        self.engine = engine
        self.read_only = bool(read_only)
        # the local engine's connection, kept so that the target switcher can come back to it
        self.local_connection = connection if connection.is_local else None
        if engine is not None:
            self.set_reactive(DdbApp.engine_state, "starting")
            self.set_reactive(DdbApp.engine_note, f"starting {engine.chosen or 'the local engine'}…")

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        self._theme_from_config()
        if self.engine is not None:
            self.wait_for_engine()
        else:
            self.ready = True
            self.resolve_key_hint()

    @work(group="engine", thread=True, exit_on_error=False)
    def wait_for_engine(self) -> None:
        eng = self.engine
        try:
            eng.wait_ready()
        except Exception as e:  # EngineError: str(e) names the log file
            self.post_message(EngineFailed(str(e)))
            return
        conn = self.connection.with_endpoint(eng.endpoint_url, engine=eng.chosen)
        note = eng.describe()
        if eng.fallback_reason:
            note = f"{note} — using moto because {eng.fallback_reason}"
        self.post_message(EngineReady(conn, note))

    def on_engine_ready(self, msg: EngineReady) -> None:
        self.local_connection = msg.connection
        self.connection = msg.connection
        self.engine_note = msg.note
        self.engine_state = "ready"
        self.ready = True
        if self.engine is not None and self.engine.chosen == "moto":
            self.notify(msg.note, title="Local engine", severity="warning", timeout=10, markup=False)
        self.resolve_key_hint()

    def on_engine_failed(self, msg: EngineFailed) -> None:
        self.engine_state = "failed"
        self.engine_note = f"The local engine did not start: {msg.message}"
        self.notify(msg.message, title="Local engine failed", severity="error", timeout=30, markup=False)

    @work(group="key-hint", thread=True, exit_on_error=False)
    def resolve_key_hint(self) -> None:
        self.post_message(KeyHintResolved(access_key_hint(self.connection)))

    def on_key_hint_resolved(self, msg: KeyHintResolved) -> None:
        self.key_hint = msg.hint

    # ------------------------------------------------------------------ services
    def client(self):
        """The cached boto3 client for the current connection. Call from thread workers."""
        if not self.ready:
            raise DdbError("the local engine is still starting: try again in a moment")
        return client_for(self.connection)

    def explain(self, error: BaseException) -> str:
        """The one sentence for `error`, naming the target really contacted."""
        conn = self.connection
        return explain(error, target=conn.describe() if conn is not None else None,
                       region=getattr(conn, "region", None))

    def report_error(self, error: BaseException | None, *, title: str = "") -> None:
        """The one place worker errors become a notification (never a crash)."""
        if error is None:
            return
        text = self.explain(error)
        self.log.error(f"worker error: {error!r}")
        self.notify(text, title=title, severity="error", timeout=10, markup=False)

    def refuse_write(self, what: str = "change data") -> bool:
        """In read-only mode: say so and return True (the caller stops)."""
        if not self.read_only:
            return False
        self.notify(f"Read-only mode: cannot {what.lower()}. Restart without --read-only to make changes.",
                    title="Read-only", severity="warning", markup=False)
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_error(event.worker.error)

    # ------------------------------------------------------------------ commands
    def action_benchmark(self) -> None:
        """Open the benchmark screen (registered as "bench")."""
        self.push_screen("bench")

    # ------------------------------------------------------------------ config file
    def _theme_from_config(self) -> None:
        try:
            theme = userconfig.load().theme
        except DdbError as e:
            self.notify(e.message, title="Config file", severity="warning", timeout=15, markup=False)
            theme = None
        if theme and theme in self.available_themes:
            self.theme = theme
        self.watch(self, "theme", self._theme_changed, init=False)

    def _theme_changed(self, theme: str) -> None:
        try:
            userconfig.update(theme=theme)
        except (DdbError, OSError):
            pass  # a bad or read-only config file: the theme still applies for this run

    # ------------------------------------------------------------------ target switch
    def action_switch_target(self) -> None:
        """Profile / region switcher (ddbtui/ui/screens/target_switch.py)."""
        if not self.ready:
            self.notify("The local engine is still starting: switch when it answers.", markup=False)
            return
        from ddbtui.ui.screens.target_switch import SwitchTargetScreen  # lazy: start-up (first frame)

        self.push_screen(SwitchTargetScreen(self.connection, self.local_connection), self.switch_target)

    def switch_target(self, conn) -> None:
        """Use `conn` (already checked) from now on: header, tables list, every new client."""
        if conn is None or conn == self.connection:
            return
        ts = self._tables_screen()
        while ts is not None and self.screen is not ts and len(self.screen_stack) > 1:
            self.pop_screen()
        self.connection = conn
        self.key_hint = ""
        self.resolve_key_hint()
        if ts is not None:
            ts.action_refresh()
        self.notify(f"Now talking to {conn.label()}", title="Target", markup=False)

    def action_bench_history(self) -> None:
        """Open the benchmark history (from the bench and results screens, which cannot import
        each other's modules without a circle)."""
        from ddbtui.ui.screens.bench_history import BenchHistoryScreen  # lazy: start-up (plotext)

        self.push_screen(BenchHistoryScreen())

    def action_partiql(self) -> None:
        """Open the PartiQL console (ddbtui/ui/screens/partiql.py)."""
        from ddbtui.ui.screens.partiql import PartiqlScreen  # lazy: start-up (first frame)

        if not isinstance(self.screen, PartiqlScreen):
            self.push_screen(PartiqlScreen())

    def action_pending(self, table: str | None = None) -> None:
        """Pending wallet operations (unknown outcomes; ddbtui/ui/screens/pending.py)."""
        from ddbtui.ui.screens.pending import PendingIntentsScreen  # lazy: start-up (first frame)

        if not isinstance(self.screen, PendingIntentsScreen):
            self.push_screen(PendingIntentsScreen(table))

    def action_help(self) -> None:
        """`?` / F1: the keys of the current screen (a second press closes it)."""
        from ddbtui.ui.screens.help import HelpScreen  # lazy: start-up (first frame)

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen))

    def action_history(self) -> None:
        self.action_bench_history()

    def action_home(self) -> None:
        """Back to the tables screen (closing whatever is open above it)."""
        ts = self._tables_screen()
        while ts is not None and self.screen is not ts and len(self.screen_stack) > 1:
            self.pop_screen()

    last_screenshot: str | None = None

    def action_save_screenshot(self) -> None:
        """Save the screen as SVG in the user data dir and say where (or why not)."""
        name = f"ddbtui-{datetime.now():%Y%m%d-%H%M%S}.svg"
        try:
            folder = paths.data_dir() / "screenshots"
            folder.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(filename=name, path=str(folder))
        except OSError as e:
            where = f" ({e.filename})" if getattr(e, "filename", None) else ""
            self.notify(f"Could not save the screenshot: {e.strerror or e}{where}",
                        title="Screenshot", severity="error", markup=False)
            return
        self.last_screenshot = path
        self.notify(f"Saved {path}", title="Screenshot", timeout=10, markup=False)

    def open_table(self, name: str) -> None:
        from ddbtui.ui.screens.items import ItemsScreen  # lazy: start-up (~0.3 s before the first frame)

        self.push_screen(ItemsScreen(name))

    def _tables_screen(self):
        for s in self.screen_stack:
            if isinstance(s, TablesScreen):
                return s
        return None

    def _create_table_command(self) -> None:
        ts = self._tables_screen()
        if ts is None:
            return
        while self.screen is not ts and len(self.screen_stack) > 1:
            self.pop_screen()
        ts.action_create_table()

    def _open_table_prompt(self) -> None:
        ts = self._tables_screen()
        if ts is None:
            return
        while self.screen is not ts and len(self.screen_stack) > 1:
            self.pop_screen()
        ts.action_focus_filter()

    def _describe_table(self, name: str) -> None:
        from ddbtui.ui.screens.describe import DescribeScreen  # lazy: start-up (first frame)

        self.push_screen(DescribeScreen(name))

    # Textual's own entries replaced here: "Keys" (our help covers the screen's keys) and
    # "Screenshot" (it saved to a Downloads folder that may not exist, saying only "failed")
    REPLACED_SYSTEM_COMMANDS = frozenset({"Keys", "Screenshot"})

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from ddbtui.ui.screens.help import screen_keys  # lazy: start-up (first frame)

        ts = self._tables_screen()
        yield SystemCommand("Help", "The keys of this screen and what they do (? or f1)", self.action_help)
        yield SystemCommand("Tables", "The list of tables (home)", self.action_home)
        yield SystemCommand("Open table…", "Filter the tables list and press enter on one",
                            self._open_table_prompt)
        names = (ts.table_names if ts is not None else [])[:200]
        for name in names:
            yield SystemCommand(f"Open table {name}", f"Browse the items of {name}",
                                partial(self.open_table, name))
        for name in names:
            yield SystemCommand(f"Describe table {name}", f"Keys, indexes, TTL and tags of {name}",
                                partial(self._describe_table, name))
        if not self.read_only:
            yield SystemCommand("Create table", "Open the create-table form", self._create_table_command)
        yield SystemCommand("Run benchmark", "Write-concurrency benchmarks (ctrl+b)", self.action_benchmark)
        yield SystemCommand("Benchmark history", "Past benchmark runs: compare, open, export",
                            self.action_history)
        yield SystemCommand("PartiQL console", "Run PartiQL statements (ctrl+l)", self.action_partiql)
        yield SystemCommand("Pending wallet operations",
                            "Deposits, withdrawals and transfers whose outcome is unknown: retry safely",
                            self.action_pending)
        yield SystemCommand("Switch profile / region", "AWS profiles from your config files, or the local engine",
                            self.action_switch_target)
        # this screen's own keys by name ("Items: Load all"): nothing needs its key to be found
        where = getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen")
        for k in screen_keys(screen):
            yield SystemCommand(f"{where}: {k.name}", f"{k.what} (key {k.keys})",
                                partial(screen.run_action, k.action))
        yield SystemCommand("Screenshot", "Save an SVG picture of this screen in the ddbtui data folder",
                            lambda: self.set_timer(0.1, self.action_save_screenshot))
        for cmd in super().get_system_commands(screen):
            if cmd.title not in self.REPLACED_SYSTEM_COMMANDS:
                yield cmd

