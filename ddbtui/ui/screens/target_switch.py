"""Switch profile and region (palette: "Switch profile / region").

Profiles come from botocore (the AWS config and credentials files), regions from botocore's
endpoint data. The new target goes through config.resolve_target (the one resolution) and is
checked with one ListTables call before the app switches; a failure stays in the dialog as
one sentence (an expired SSO token says which `aws sso login` to run)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ddbtui import userconfig
from ddbtui.config import resolve_target
from ddbtui.dynamo.clients import client_for
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.footer import KeyFooter

LOCAL = "\x00local"
CHAIN = "\x00chain"
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


@dataclass(frozen=True)
class Profiles:
    names: list[str]
    sso: frozenset[str]
    regions: list[str]
    error: str | None = None


def available_profiles() -> Profiles:
    """botocore's profiles (no network), which of them use SSO, and DynamoDB's regions."""
    import botocore.session  # lazy: botocore costs ~200 ms at start-up

    try:
        s = botocore.session.Session()
        names = sorted(s.available_profiles)
        profiles = s.full_config.get("profiles", {})
        sso = frozenset(n for n in names if any(k in profiles.get(n, {})
                                                 for k in ("sso_session", "sso_start_url")))
        regions = sorted(set(s.get_available_regions("dynamodb")))
        return Profiles(names, sso, regions)
    except Exception as e:  # a broken ~/.aws/config: say so, offer local and the chain

        return Profiles([], frozenset(), [], f"cannot read your AWS config files: {explain(e)}")


class TargetChecked(Message):
    def __init__(self, connection: Any, error: str | None, remember: bool) -> None:
        super().__init__()
        self.connection = connection
        self.error = error
        self.remember = remember


class SwitchTargetScreen(DdbScreenMixin, ModalScreen[Any]):
    """Returns the new Connection (checked), or None when cancelled."""

    CSS_PATH = "target_switch.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: Any, local: Any | None = None) -> None:
        super().__init__()
        self.current = current
        self.local = local  # the local engine's Connection, when the app has one
        self.profiles = available_profiles()
        self._keys: list[str] = []

    def compose(self) -> ComposeResult:
        opts: list[Option] = []
        if self.local is not None:
            opts.append(self._opt(LOCAL, f"local engine  [dim]{escape(self.local.label())}[/]"))
        opts.append(self._opt(CHAIN, "AWS, default credential chain  [dim](env, instance role, AWS_PROFILE)[/]"))
        for n in self.profiles.names:
            tag = "  [dim]SSO[/]" if n in self.profiles.sso else ""
            opts.append(self._opt(n, f"profile {escape(n)}{tag}"))
        with Vertical(classes="dialog", id="switch-target-dialog"):
            yield Label("Switch profile / region", classes="dialog-title")
            yield Static(f"Now: {self.current.label()}", id="switch-now", markup=False)
            yield OptionList(*opts, id="switch-profiles")
            yield Input(self.current.region, placeholder="region, e.g. eu-west-1", id="switch-region",
                        suggester=SuggestFromList(self.profiles.regions, case_sensitive=False))
            yield Checkbox("Remember as the default target (config file)", id="switch-remember")
            yield Static(self.profiles.error or "", id="switch-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Switch", variant="primary", id="switch")
        yield KeyFooter()

    def _opt(self, key: str, prompt: str) -> Option:
        self._keys.append(key)
        return Option(prompt, id=str(len(self._keys) - 1))

    def on_mount(self) -> None:
        ol = self.query_one("#switch-profiles", OptionList)
        cur = self.current
        if cur.profile and cur.profile in self._keys:
            ol.highlighted = self._keys.index(cur.profile)
        elif self.local is not None and cur.is_local:
            ol.highlighted = 0
        else:
            ol.highlighted = self._keys.index(CHAIN)
        ol.focus()

    @property
    def chosen(self) -> str:
        ol = self.query_one("#switch-profiles", OptionList)
        return self._keys[ol.highlighted or 0]

    def _error(self, text: str) -> None:
        self.query_one("#switch-error", Static).update(text)

    @on(OptionList.OptionSelected, "#switch-profiles")
    def _picked(self) -> None:
        self.query_one("#switch-region", Input).focus()

    @on(Input.Submitted, "#switch-region")
    @on(Button.Pressed, "#switch")
    def action_switch(self) -> None:
        region = self.query_one("#switch-region", Input).value.strip()
        if not _REGION_RE.match(region):
            self._error(f"{region!r} is not a region name like eu-west-1")
            self.query_one("#switch-region", Input).focus()
            return
        if self.profiles.regions and region not in self.profiles.regions and not region.startswith(("cn-", "us-gov-", "us-iso")):
            self._error(f"DynamoDB has no region {region!r} in botocore's list")
            self.query_one("#switch-region", Input).focus()
            return
        self._error("checking…")
        self.query_one("#switch", Button).disabled = True
        remember = self.query_one("#switch-remember", Checkbox).value
        self.check(self.chosen, region, remember)

    @work(group="switch-target", thread=True, exit_on_error=False)
    def check(self, chosen: str, region: str, remember: bool) -> None:
        try:
            if chosen == LOCAL:
                conn = replace(self.local, region=region)
            else:
                conn = resolve_target(profile=None if chosen == CHAIN else chosen, aws=True,
                                      region=region, file_target={}).connection
            client_for(conn).list_tables(Limit=1)
        except Exception as e:
            msg = explain(e, region=region)
            if chosen in self.profiles.sso and ("SSO" in msg or "expired" in msg):
                msg = (f"The SSO session of profile {chosen} has expired or is missing: run "
                       f"`aws sso login --profile {chosen}`, then Switch again.")
            self.post_message(TargetChecked(None, msg, remember))
            return
        self.post_message(TargetChecked(conn, None, remember))

    def on_target_checked(self, msg: TargetChecked) -> None:
        self.query_one("#switch", Button).disabled = False
        if msg.error:
            self._error(msg.error)
            return
        if msg.remember:
            self._remember(msg.connection)
        self.dismiss(msg.connection)

    def _remember(self, conn: Any) -> None:
        if conn.engine:  # the local engine's port changes each start: remember "no target"
            target: dict[str, Any] = {"region": conn.region}
        elif conn.profile:
            target = {"profile": conn.profile, "region": conn.region}
        else:
            target = {"aws": True, "region": conn.region}
        try:
            userconfig.update(target=target)
        except (DdbError, OSError) as e:
            self.app.notify(f"Not remembered: {e}", title="Config file", severity="warning", markup=False)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
