"""Workloads are deterministic, unique-keyed, padded, and bench imports no textual."""

import subprocess
import sys

import pytest

from ddbtui.bench.strategies import NAMES, parse_strategies
from ddbtui.bench.workload import Workload, _isbn13
from ddbtui.dynamo.codec import item_size


def test_same_seed_same_items_and_unique_keys():
    a = Workload("books", seed=7).ddb_items(500)
    b = Workload("books", seed=7).ddb_items(500)
    assert a == b
    assert len({x["isbn"]["S"] for x in a}) == 500
    assert Workload("books", seed=8).ddb_items(5) != a[:5]
    # any slice is the same items: worker processes can generate their share alone
    assert Workload("books", seed=7).ddb_items(10, start=100) == a[100:110]


def test_ddb_items_equal_codec_serialisation():
    from ddbtui.dynamo.codec import serialize_item

    for name in ("books", "wallets"):
        w = Workload(name, seed=5, item_bytes=300 if name == "books" else 0)
        assert w.ddb_items(50) == [serialize_item(i) for i in w.items(50)]


def test_isbn_is_valid_isbn13():
    isbn = _isbn13(123456789)
    assert len(isbn) == 13 and isbn.startswith("978")
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn))
    assert total % 10 == 0


def test_books_fields_and_padding():
    it = next(Workload("books", seed=1, item_bytes=1000).items(1))
    assert set(it) == {"isbn", "author", "title", "published", "padding"}
    assert abs(item_size(it) - 1000) <= 2


def test_wallets():
    items = list(Workload("wallets", seed=3).items(100))
    assert set(items[0]) == {"user_id", "balance", "name"}
    assert len({i["user_id"] for i in items}) == 100
    assert Workload("wallets").key_name == "user_id"
    assert Workload("wallets").table_spec("t1").partition_key.name == "user_id"


def test_bad_workload_options():
    with pytest.raises(ValueError):
        Workload("cars")
    with pytest.raises(ValueError):
        Workload("books", item_bytes=500_000)


def test_parse_strategies():
    assert parse_strategies("all") == list(NAMES)
    assert parse_strategies("sync, aiohttp,sync") == ["sync", "aiohttp"]
    with pytest.raises(ValueError, match="nope"):
        parse_strategies("sync,nope")


def test_bench_never_imports_textual():
    code = ("import sys, ddbtui.bench, ddbtui.bench.cli, ddbtui.bench.runner, ddbtui.bench.report, "
            "ddbtui.bench.results, ddbtui.bench.workload, ddbtui.bench.recorder\n"
            "from ddbtui.bench import strategies\n"
            "for n in strategies.NAMES: strategies.get(n)\n"
            "assert 'textual' not in sys.modules, 'textual imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
