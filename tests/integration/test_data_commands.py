"""Headless data commands (`ddbtui tables|describe|scan|query|export|import|partiql`, `bench
--json -`) on DynamoDB Local over HTTP: round trips without type loss, an import that stops at
a malformed line, and stdout that is only data in the declared format.

Most commands run in-process through `ddbtui.cli.main` (same code path, real HTTP; capfd
sees the real file descriptors); one test runs the installed entry point as a subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest

from ddbtui.cli import main
from ddbtui.dynamo import codec
from ddbtui.dynamo import items as I
from ddbtui.dynamo import tables as T
from ddbtui.dynamo.clients import client_for
from tests.conftest import connection_for

pytestmark = pytest.mark.dynamodb_local

BIG = Decimal(12345678901234567890123456789012345678)  # 38 digits


@pytest.fixture(scope="module")
def ddb(dynamodb_local_engine):
    conn = connection_for(dynamodb_local_engine)
    return conn, client_for(conn)


def _table(cl, name=None, sk="N"):
    name = name or f"dc_{uuid.uuid4().hex[:10]}"
    T.create_table(cl, T.TableSpec(name, T.KeySpec("pk", "S"), T.KeySpec("sk", sk) if sk else None),
                   wait=True)
    return name


def _rich_items(n=60):
    return [{"pk": f"p{i % 3}", "sk": Decimal(i), "big": BIG, "neg": -BIG, "tiny": Decimal("1.5E-100"),
             "ss": {"a", "b,c", "é"}, "ns": {Decimal(1), Decimal("2.5"), BIG}, "bs": {b"\x00\x01", b"\xff"},
             "bin": bytes([i, 0, 255]), "m": {"l": [Decimal(i), "x", None, True, {"deep": b"\x01"}]},
             "t": True, "n": None, "s": 'comma, "quote"\nnewline'} for i in range(n)]


def _all(cl, table):
    key = None
    out = []
    while True:
        p = I.scan_page(cl, table, limit=100, start_key=key)
        out += p.items
        key = p.last_key
        if not key:
            return sorted(out, key=lambda i: (i["pk"], i["sk"]))


def run(capfd, *args):
    capfd.readouterr()
    code = main([*args])
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def source(ddb):
    conn, cl = ddb
    name = _table(cl)
    I.batch_put(cl, name, _rich_items())
    return name


def test_round_trip_ddb_json_export_import_scan(ddb, source, tmp_path, capfd):
    conn, cl = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    f = tmp_path / "x.jsonl"
    code, out, err = run(capfd, "export", source, str(f), "--ddb-json", *ep)
    assert code == 0, err
    assert out == "" and "60 items" in err
    dest = _table(cl)
    code, out, err = run(capfd, "import", dest, str(f), *ep)
    assert code == 0, err
    assert out == "" and f"import {dest}: 60 items" in err
    original = _all(cl, source)
    assert _all(cl, dest) == original
    one = original[0]
    assert one["big"] == BIG and one["ns"] == {Decimal(1), Decimal("2.5"), BIG}
    assert one["bs"] == {b"\x00\x01", b"\xff"} and isinstance(one["bin"], bytes)
    # and through `ddbtui scan --ddb-json`: the same typed lines
    code, out_src, _ = run(capfd, "scan", source, "--ddb-json", "-q", *ep)
    code2, out_dst, _ = run(capfd, "scan", dest, "--ddb-json", "-q", *ep)
    assert code == code2 == 0
    assert sorted(out_src.splitlines()) == sorted(out_dst.splitlines())


def test_round_trip_csv_with_types(ddb, source, tmp_path, capfd):
    conn, cl = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    f = tmp_path / "x.csv"
    code, _, err = run(capfd, "export", source, str(f), *ep)
    assert code == 0, err
    dest = _table(cl)
    types = "big=N,neg=N,tiny=N,ss=SS,ns=NS,bs=BS,bin=B,m=M,t=BOOL,n=NULL"
    code, _, err = run(capfd, "import", dest, str(f), "--types", types, *ep)
    assert code == 0, err
    want = _all(cl, source)
    got = _all(cl, dest)
    # CSV cannot say that a map value was binary: compare all but the nested binary
    for w, g in zip(want, got, strict=True):
        w, g = dict(w), dict(g)
        assert g["m"]["l"][4] == {"deep": "AQ=="} and w["m"]["l"][4] == {"deep": b"\x01"}
        w["m"]["l"].pop(4)
        g["m"]["l"].pop(4)
        assert g == w


def test_malformed_line_stops_import_with_its_number(ddb, tmp_path, capfd):
    conn, cl = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    dest = _table(cl)
    lines = [json.dumps({"pk": "k", "sk": i, "v": f"line {i}"}) for i in range(1, 41)]
    lines[29] = '{"pk": "k", "sk": 30, "v": oops}'  # line 30: not JSON
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(lines) + "\n")
    code, out, err = run(capfd, "import", dest, str(f), *ep)
    assert code == 3
    assert out == ""
    assert "line 30" in err and "--from-line 30" in err and "29 items before it" in err
    assert len(err.strip().splitlines()) == 1
    written = _all(cl, dest)
    assert [int(i["sk"]) for i in written] == list(range(1, 30))  # nothing from line 30 on
    # fix the line and resume from it
    lines[29] = json.dumps({"pk": "k", "sk": 30, "v": "fixed"})
    f.write_text("\n".join(lines) + "\n")
    code, _, err = run(capfd, "import", dest, str(f), "--from-line", "30", *ep)
    assert code == 0, err
    assert "11 items" in err
    assert [int(i["sk"]) for i in _all(cl, dest)] == list(range(1, 41))


def test_import_stops_on_a_record_the_table_cannot_take(ddb, tmp_path, capfd):
    conn, cl = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    dest = _table(cl)
    rows = ["pk,sk,v", "a,1,x", "b,2,y", "c,not-a-number,z", "d,4,w"]
    f = tmp_path / "bad.csv"
    f.write_text("\n".join(rows) + "\n")
    code, out, err = run(capfd, "import", dest, str(f), *ep)
    assert code == 3 and out == ""
    assert "line 4" in err and "--from-line 4" in err
    assert [i["pk"] for i in _all(cl, dest)] == ["a", "b"]
    code, _, err = run(capfd, "import", "no_such_table", str(f), *ep)
    assert code == 4 and "does not exist" in err


def test_unprocessed_items_are_resent(ddb, tmp_path, capfd):
    from ddbtui.local.proxy import FaultConfig, ProxyThread

    conn, cl = ddb
    dest = _table(cl)
    f = tmp_path / "many.jsonl"
    f.write_text("".join(json.dumps({"pk": "u", "sk": i}) + "\n" for i in range(200)))
    with ProxyThread(conn.endpoint_url, FaultConfig(unprocessed_rate=0.5, seed=7)) as proxy:
        code, _, err = run(capfd, "import", dest, str(f), "--endpoint-url", proxy.url)
    assert code == 0, err
    assert "resent after UnprocessedItems" in err
    assert len(_all(cl, dest)) == 200


def test_stdout_of_every_data_command_parses(ddb, source, capfd):
    conn, cl = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    code, out, _ = run(capfd, "tables", *ep)
    assert code == 0 and source in out.splitlines()
    code, out, _ = run(capfd, "tables", "--json", *ep)
    assert code == 0 and source in json.loads(out)
    code, out, _ = run(capfd, "describe", source, *ep)
    assert code == 0 and json.loads(out)["Table"]["TableName"] == source

    code, out, err = run(capfd, "scan", source, *ep)
    rows = [json.loads(line, parse_float=Decimal) for line in out.splitlines()]
    assert code == 0 and len(rows) == 60 and "scan" in err and "60 items" in err
    assert any(r["big"] == int(BIG) for r in rows)  # exact: 38 digits, not a float
    code, out, err = run(capfd, "scan", source, "-o", "json", "--limit", "7", *ep)
    assert code == 0 and len(json.loads(out)) == 7
    code, out, _ = run(capfd, "scan", source, "-o", "csv", *ep)
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(table) == 60 and list(table[0])[:2] == ["pk", "sk"]
    code, out, _ = run(capfd, "scan", source, "-o", "table", "--limit", "2", *ep)
    assert code == 0 and out.split()[0:2] == ["pk", "sk"]

    code, out, err = run(capfd, "query", source, "--pk", "p1", "--sk-between", "4", "13",
                         "--filter", "big = :b", "--values", json.dumps({":b": str(BIG)}), *ep)
    assert code == 0 and out == ""  # a string is not the number: filter matches nothing
    code, out, err = run(capfd, "query", source, "--pk", "p1", "--sk-between", "4", "13", "--ddb-json", *ep)
    got = [codec.ddb_json_to_item(line) for line in out.splitlines()]
    assert code == 0 and [int(i["sk"]) for i in got] == [4, 7, 10, 13]
    assert got[0]["bs"] == {b"\x00\x01", b"\xff"}

    code, out, err = run(capfd, "partiql", f'SELECT pk, sk FROM "{source}" WHERE pk = ?',
                         "--parameters", '["p2"]', "-o", "json", *ep)
    got = json.loads(out)
    assert code == 0 and len(got) == 20 and all(set(r) == {"pk", "sk"} for r in got)
    code, out, err = run(capfd, "export", source, "-", *ep)
    assert code == 0 and len([json.loads(x) for x in out.splitlines()]) == 60 and "60 items" in err


def test_errors_are_one_sentence_with_documented_codes(ddb, capfd):
    conn, _ = ddb
    ep = ("--endpoint-url", conn.endpoint_url)
    code, out, err = run(capfd, "scan", "no_such_table", *ep)
    assert (code, out) == (4, "") and err.count("\n") == 1 and "does not exist" in err
    code, out, err = run(capfd, "scan", "x", *ep)
    assert (code, out) == (2, "") and "too short" in err
    code, out, err = run(capfd, "partiql", "SELECT * FROM", *ep)
    assert (code, out) == (1, "") and err.startswith("ddbtui partiql: ") and err.count("\n") == 1
    code, out, err = run(capfd, "scan", "abc", "--values", "{bad", *ep)
    assert (code, out) == (2, "") and "--values is not valid JSON" in err


def test_entry_point_subprocess_and_bench_json_to_stdout(ddb, source):
    conn, _ = ddb
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    r = subprocess.run([sys.executable, "-m", "ddbtui", "scan", source, "--endpoint-url",
                        conn.endpoint_url, "-o", "json"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 60 and "60 items" in r.stderr
    r = subprocess.run([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url", conn.endpoint_url,
                        "--strategies", "sync", "--items", "20", "--no-save", "--json", "-"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["runs"][0]["strategy"] == "sync" and doc["complete"] is True
    assert "sync" in r.stderr  # the report went to stderr


def test_config_command_saved_query_and_bench_preset(ddb, source, tmp_path, monkeypatch, capfd):
    conn, _ = ddb
    monkeypatch.setenv("DDBTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    code, out, err = run(capfd, "config", "path")
    assert code == 0 and out.strip() == str(tmp_path / "cfg" / "config.toml")
    code, out, err = run(capfd, "config", "show")
    assert code == 0 and out == "" and "no config file" in err
    assert run(capfd, "config", "init")[0] == 0
    cfg = tmp_path / "cfg" / "config.toml"
    cfg.write_text(cfg.read_text() + f"""
[target]
endpoint_url = "{conn.endpoint_url}"

[[queries]]
name = "p1 mid"
table = "{source}"
pk = "p1"
sk_between = [4, 13]

[bench.presets.quick]
strategies = ["sync"]
items = "many"
""")
    code, out, err = run(capfd, "config", "show")
    import tomllib

    assert code == 0 and tomllib.loads(out)["queries"][0]["name"] == "p1 mid"
    # the config file's target is used (no --endpoint-url here), the saved query fills the options
    code, out, err = run(capfd, "query", "--saved", "p1 mid", "-q")
    assert code == 0, err
    assert [json.loads(x)["sk"] for x in out.splitlines()] == [4, 7, 10, 13]
    code, out, err = run(capfd, "query", "--saved", "p1 mid", "--sk-between", "4", "7", "-q")
    assert [json.loads(x)["sk"] for x in out.splitlines()] == [4, 7]  # the flag wins
    code, out, err = run(capfd, "bench", "--preset", "quick")
    assert code == 2 and "bench preset 'quick': items" in err
    cfg.write_text(cfg.read_text() + "oops = [\n")
    code, out, err = run(capfd, "tables")
    assert code == 2 and "not valid TOML" in err and out == ""
