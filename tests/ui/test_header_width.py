"""The header is one line at 80 columns (target shortened first, key id never cut) and full at 160."""

from __future__ import annotations

import pytest

from tests.conftest import connection_for
from tests.ui.conftest import wait_for


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_header_one_line_key_whole(moto_engine, size):
    from ddbtui.ui.app import DdbApp
    from ddbtui.ui.widgets.target_bar import TargetBar

    app = DdbApp(connection=connection_for(moto_engine))
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.ready and app.key_hint, what="ready with key hint")
        app.read_only = True
        await pilot.pause(0.2)
        bar = app.screen.query_one(TargetBar)
        line = bar.render_target().plain.splitlines()[0]
        width = bar.content_region.width
        assert len(line) <= width, (size, line)
        assert "…" not in line, line
        assert "READ-ONLY" in line and app.key_hint[:4] in line, line  # nothing cut off the end
        if size[0] >= 160:
            assert app.connection.label() in line and "region" in line, line
