"""One limit per setting (ddbtui.bench.limits): the CLI, Settings.validate() and the TUI form
reject the same values with the same sentence. Before the table, `ddbtui bench --concurrency
5000` and `--repeat 1000` ran while the form refused them, and --item-bytes -1 passed argparse."""

from __future__ import annotations

import argparse

import pytest

from ddbtui.bench import cli as bench_cli
from ddbtui.bench.limits import LIMITS, LimitError
from ddbtui.bench.runner import Settings
from ddbtui.ui.screens.bench import FormError, parse_form

FORM_FIELDS = ("items", "concurrency", "repeat", "item_bytes", "max_in_flight", "records")
GOOD_FORM = {"strategies": ["sync"], "items": "10", "concurrency": "4", "repeat": "1", "item_bytes": "0",
             "workload": "books", "retry_mode": "standard", "table": ""}


def _cli_error(capsys, *argv: str) -> str:
    p = bench_cli.build_parser()
    with pytest.raises(SystemExit):
        p.parse_args(list(argv))
    return capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_cli_and_settings_refuse_just_outside_each_range(name, capsys):
    lim = LIMITS[name]
    for bad in (lim.lo - 1, lim.hi + 1):
        err = _cli_error(capsys, lim.option, str(bad))
        assert f"{lim.option} must be between {lim.lo:,} and {lim.hi:,}" in err
        if name in {f.name for f in Settings.__dataclass_fields__.values()}:
            with pytest.raises(LimitError) as e:
                Settings(strategies=["sync"], **{name: bad}).validate()
            assert e.value.field == name and lim.option in e.value.message
    for good in (lim.lo, lim.hi):
        assert getattr(bench_cli.build_parser().parse_args([lim.option, str(good)]), name) == good


@pytest.mark.parametrize("name", FORM_FIELDS)
def test_form_uses_the_same_ranges(name):
    lim = LIMITS[name]
    form = {**GOOD_FORM, **({"mode": "open", "rate": "100", "duration": "5s"} if name == "max_in_flight" else {})}
    for bad in (lim.lo - 1, lim.hi + 1):
        with pytest.raises(FormError) as e:
            parse_form({**form, name: f"{bad:,}"}, conn=None)
        assert e.value.field == name
        assert e.value.message == f"{lim.label} must be between {lim.lo:,} and {lim.hi:,}" + (
            f" ({lim.why})" if lim.why and bad > lim.hi else "") + f", got {bad:,}"
    settings, _ = parse_form({**form, name: str(lim.hi)}, conn=None)
    got = getattr(settings, name) if hasattr(settings, name) else (settings.load or {}).get(name)
    assert got == lim.hi


def test_whole_numbers_only(capsys):
    assert "--items takes a whole number, got '1.5'" in _cli_error(capsys, "--items", "1.5")
    with pytest.raises(FormError, match="Items takes a whole number"):
        parse_form({**GOOD_FORM, "items": "lots"}, conn=None)
    assert LIMITS["items"].parse("10_000") == LIMITS["items"].parse("10,000") == 10_000


def test_arg_type_is_an_argparse_type():
    with pytest.raises(argparse.ArgumentTypeError):
        LIMITS["repeat"].arg_type()("0")
