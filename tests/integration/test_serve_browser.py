"""`ddbtui serve` in a real browser: Debian's chromium, headless, driven by Selenium through
chromium-driver. It opens the page, sees the tables screen (with a table this test created on
DynamoDB Local), opens the benchmark form, starts a run, and sees the charts change while it
runs.

The terminal is drawn on a canvas (xterm.js), so the test reads what the app sends over the
page's WebSocket (a hook installed before the page loads) and compares clipped screenshots of
the chart area. This test installs nothing: `make test` installs chromium + chromium-driver
when they are missing and it runs as root; without them the test is skipped and says why.
With DDBTUI_WRITE_SCREENSHOTS=1 (make screenshots) it saves screenshots/serve_browser.png.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from ddbtui.dynamo import tables as T
from ddbtui.dynamo.clients import client_for
from ddbtui.local.engine import free_port
from tests.conftest import connection_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = [n for n, p in (("chromium", CHROMIUM), ("chromium-driver", DRIVER)) if not p]

pytestmark = [
    pytest.mark.dynamodb_local,
    pytest.mark.skipif(bool(MISSING), reason=f"{' and '.join(MISSING)} not installed: the browser test "
                       f"needs Debian's chromium and chromium-driver (make test installs them as root)"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Collect what the server sends to the terminal (ANSI text), before textual.js opens its socket.
HOOK = r"""
(() => {
  const Orig = window.WebSocket;
  const dec = new TextDecoder();
  window.__ddb = {text: "", packets: 0};
  const add = (s) => { const d = window.__ddb; d.packets++; d.text = (d.text + s).slice(-500000); };
  class Hooked extends Orig {
    constructor(...a) {
      super(...a);
      this.addEventListener("message", (ev) => {
        const x = ev.data;
        if (typeof x === "string") add(x);
        else if (x instanceof ArrayBuffer) add(dec.decode(new Uint8Array(x)));
        else if (x && x.arrayBuffer) x.arrayBuffer().then(b => add(dec.decode(new Uint8Array(b))));
      });
    }
  }
  window.WebSocket = Hooked;
})();
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def _wait(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def served(dynamodb_local_engine):
    conn = connection_for(dynamodb_local_engine)
    cl = client_for(conn)
    table = f"serve_{uuid.uuid4().hex[:8]}"
    T.create_table(cl, T.TableSpec(table, T.KeySpec("pk")), wait=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ddbtui", "serve", "--port", str(port),
                             "--endpoint-url", conn.endpoint_url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"ddbtui serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        _wait(up, 60, "ddbtui serve to answer")
        yield f"http://127.0.0.1:{port}", table
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        T.delete_table(cl, table)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
              "--disable-gpu-sandbox"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(DRIVER), options=opts)
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    yield d
    d.quit()


def test_serve_in_chromium_tables_then_a_moving_benchmark(served, browser, tmp_path):
    try:
        _drive(served, browser, tmp_path)
    except BaseException:
        browser.save_screenshot(str(tmp_path / "failure.png"))  # what the page showed
        print(f"browser screenshot at the failure: {tmp_path / 'failure.png'}")
        raise


def _drive(served, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, table = served
    d = browser
    d.get(url)

    def text() -> str:
        return ANSI.sub("", d.execute_script("return window.__ddb.text"))

    def keys(*ks: str | tuple[str, str]) -> None:
        # xterm.js listens on its hidden textarea; one key at a time, as a person types
        area = d.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for k in ks:
            area.send_keys(*k) if isinstance(k, tuple) else area.send_keys(k)  # (modifier, key): a chord
            time.sleep(0.1)

    # the tables screen, with the table this test created
    _wait(lambda: table in text() and "Refresh" in text(), 90, f"the tables screen listing {table}")
    d.save_screenshot(str(tmp_path / "tables.png"))

    # benchmark form: only `sync`, 3000 items (long enough to watch; stopped below)
    keys((Keys.CONTROL, "b"))
    _wait(lambda: "Run a write benchmark" in text(), 30, "the benchmark form")
    time.sleep(1.0)  # the form focuses its first field after mounting
    keys((Keys.SHIFT, Keys.TAB), (Keys.CONTROL, "a"), " ", Keys.TAB)
    # Textual's Input selects its text on focus after the next refresh: typed before that, the
    # digits would be replaced by the next one (under load). Let the focus settle first.
    time.sleep(1.5)
    keys(*[Keys.BACKSPACE] * 4, *"3000", Keys.ENTER)
    _wait(lambda: "3000 books items" in text() or "3,000 books items" in text(), 30, "the run screen")

    # wait until the sync run has written items ("ok N", N > 0), then watch the chart area
    def written() -> bool:
        return any(int(n.replace(",", "")) > 0 for n in re.findall(r"\bok (\d[\d,]*)", text()))

    _wait(written, 120, "the run to write its first items")
    rect = d.execute_script("const r = document.querySelector('.textual-terminal')"
                            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height];")
    clip = {"x": rect[0], "y": rect[1] + rect[3] * 0.4, "width": rect[2], "height": rect[3] * 0.5, "scale": 1}

    def chart_png() -> str:
        return d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})["data"]

    packets = d.execute_script("return window.__ddb.packets")  # before the first picture:
    first = chart_png()  # a packet between the two would change the chart but not the count
    changed = _wait(lambda: chart_png() != first, 20, "the charts to change")
    assert changed
    assert d.execute_script("return window.__ddb.packets") > packets
    assert "Throughput and correctness" not in text()  # still the live view, not the results
    shot = tmp_path / "serve_browser.png"
    d.save_screenshot(str(shot))
    page = text()
    for secret in ("ddbtuilocalsecret", "aws_secret_access_key"):
        assert secret not in page
    if os.environ.get("DDBTUI_WRITE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / "serve_browser.png")
    keys(Keys.ESCAPE)  # stop the run
    assert base64.b64decode(first)[:4] == b"\x89PNG"
