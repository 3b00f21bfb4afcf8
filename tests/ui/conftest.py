"""UI test helpers: a DdbApp on the real DynamoDB Local engine, and polling waits."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import connection_for


@pytest.fixture
def ui_conn(dynamodb_local_engine):
    return connection_for(dynamodb_local_engine)


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


def save_svg(app, name: str) -> str:
    """Save `screenshots/<name>.svg` and check no credential made it into the picture."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = app.save_screenshot(filename=f"{name}.svg", path=str(SCREENSHOTS))
    text = Path(path).read_text()
    for marker in SECRET_MARKERS:
        assert marker not in text, f"{marker} in {name}.svg"
    return text


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def screen_text(app) -> str:
    """The current screen as plain text (what a person would read)."""
    import html
    import re

    svg = app.export_screenshot()

    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="[\d.]+" '
                         r'clip-path="[^"]*">(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    text = "\n".join("".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items()))
    return text.replace("\xa0", " ")
