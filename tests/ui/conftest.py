"""UI test helpers: a DdbApp on a real local engine, and polling waits.

UI tests run on the moto server (pip only, no Java). A test marked `dynamodb_local` gets
DynamoDB Local instead: use it where the engine's behaviour is the point (validation
messages, LastEvaluatedKey at the Limit, PartiQL, ...).

`save_svg` writes screenshots/<name>.svg only under `make screenshots`
(DDBTUI_WRITE_SCREENSHOTS=1): a plain test run leaves the tracked pictures alone (it still checks
that no credential reaches the picture).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import connection_for


@pytest.fixture
def ui_engine(request):
    name = "dynamodb_local_engine" if request.node.get_closest_marker("dynamodb_local") else "moto_engine"
    return request.getfixturevalue(name)


@pytest.fixture
def ui_conn(ui_engine):
    return connection_for(ui_engine)


@pytest.fixture
def ui_client(ui_conn):
    from ddbtui.dynamo.clients import client_for

    return client_for(ui_conn)


@pytest.fixture
def make_app(ui_conn):
    from ddbtui.ui.app import DdbApp

    def make(read_only: bool = False) -> DdbApp:
        return DdbApp(connection=ui_conn, read_only=read_only)

    return make


@pytest.fixture
def ui_table_name() -> str:
    return f"ui_{uuid.uuid4().hex[:10]}"


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = "") -> object:
    """Let the app run until `predicate()` is truthy (thread workers need real time)."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause(0.05)
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SECRET_MARKERS = ("ddbtuilocalsecret", "aws_secret_access_key", "SecretAccessKey")


def writing_screenshots() -> bool:
    return os.environ.get("DDBTUI_WRITE_SCREENSHOTS") == "1"


def save_svg(app, name: str) -> str:
    """The screen as SVG, checked for credentials; written to `screenshots/<name>.svg` only
    under `make screenshots`."""
    text = app.export_screenshot()
    if writing_screenshots():
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"{name}.svg").write_text(text, encoding="utf-8")
    for marker in SECRET_MARKERS:
        assert marker not in text, f"{marker} in {name}.svg"
    return text


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def screen_text(app) -> str:
    """The current screen as plain text (what a person would read), each piece at its column."""
    import html
    import re

    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    char_w = 0.0
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)" '
                         r'clip-path="[^"]*">(.*?)</text>', svg):
        text = html.unescape(m.group(4))
        if text and not char_w:
            char_w = float(m.group(3)) / len(text)
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), text))
    lines = []
    for _, parts in sorted(rows.items()):
        line = ""
        for x, text in sorted(parts):
            col = round(x / char_w) if char_w else len(line)
            line = line.ljust(col) + text
        lines.append(line.rstrip())
    return "\n".join(lines).replace("\xa0", " ")
