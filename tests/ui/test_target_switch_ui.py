"""Profile / region switcher, driven with Pilot against DynamoDB Local: profiles come from a
real AWS config file (botocore reads it), the switch is checked with a real call, the header
shows the new target, an expired SSO session gives the login hint, bad regions are refused."""

from __future__ import annotations

import pytest

from ddbtui.dynamo import tables as T
from tests.ui.conftest import wait_for

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def aws_files(tmp_path, monkeypatch, ui_conn):
    cfg = tmp_path / "config"
    cfg.write_text(f"""[profile localdev]
region = eu-west-1
endpoint_url = {ui_conn.endpoint_url}

[profile expired]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
""")
    creds = tmp_path / "credentials"
    creds.write_text("[localdev]\naws_access_key_id = AKIDLOCALDEV\naws_secret_access_key = notasecret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("HOME", str(tmp_path))  # no real SSO token cache
    monkeypatch.setenv("DDBTUI_CONFIG_DIR", str(tmp_path / "ddbtui-config"))
    from ddbtui.dynamo.clients import clear_cache

    clear_cache()
    yield
    clear_cache()


def _header(app) -> str:
    from ddbtui.ui.widgets.target_bar import TargetBar

    return str(app.screen.query_one(TargetBar).render_target())


async def _choose(pilot, app, label: str, region: str) -> None:
    from textual.widgets import Input, OptionList

    ol = app.screen.query_one("#switch-profiles", OptionList)
    ol.highlighted = next(i for i in range(ol.option_count) if label in str(ol.get_option_at_index(i).prompt))
    app.screen.query_one("#switch-region", Input).value = region
    await pilot.pause(0.3)  # a Button ignores clicks during its 0.2 s press effect
    assert await pilot.click("#switch")


async def test_switch_profile_region_and_back(make_app, aws_files, ui_client, ui_table_name):
    from ddbtui import userconfig
    from ddbtui.ui.screens.tables import TablesScreen
    from ddbtui.ui.screens.target_switch import SwitchTargetScreen

    T.create_table(ui_client, T.TableSpec(ui_table_name, T.KeySpec("pk")), wait=True)
    app = make_app()
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await wait_for(pilot, lambda: ui_table_name in app.screen.table_names, what="tables")
        assert "key ddbtuilocal" in _header(app)

        app.action_switch_target()
        await wait_for(pilot, lambda: isinstance(app.screen, SwitchTargetScreen), what="switcher")
        await _choose(pilot, app, "profile expired", "us-east-1")
        err = app.screen.query_one("#switch-error")
        await wait_for(pilot, lambda: "aws sso login --profile expired" in str(err.render()), what="sso hint",
                       timeout=60)  # botocore reads the SSO cache and config: slow on a loaded box
        assert isinstance(app.screen, SwitchTargetScreen)  # nothing switched

        await _choose(pilot, app, "profile localdev", "mars-north-9x")
        assert "not a region name" in str(err.render())

        app.screen.query_one("#switch-remember").value = True
        await _choose(pilot, app, "profile localdev", "eu-west-1")
        await wait_for(pilot, lambda: isinstance(app.screen, TablesScreen), what="back on tables")
        await wait_for(pilot, lambda: "profile localdev" in _header(app), what="header")
        assert "eu-west-1" in _header(app) and "AKIDLOCALDEV" in _header(app)
        assert app.connection.profile == "localdev"
        await wait_for(pilot, lambda: ui_table_name in app.screen.table_names, what="tables via profile")
        assert userconfig.load().target == {"profile": "localdev", "region": "eu-west-1"}

        app.action_switch_target()
        await wait_for(pilot, lambda: isinstance(app.screen, SwitchTargetScreen), what="switcher")
        await _choose(pilot, app, "local engine", "us-east-1")
        await wait_for(pilot, lambda: app.connection.profile is None and app.connection.is_local, what="local")
        await wait_for(pilot, lambda: "key ddbtuilocal" in _header(app), what="header local")
        assert "localdev" not in _header(app)
    T.delete_table(ui_client, ui_table_name)
