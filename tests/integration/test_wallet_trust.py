"""Every write path into a wallet table keeps the wallet rules (DynamoDB Local over HTTP):
`ddbtui import` checks the whole file first and writes nothing when one record breaks them
(unless --skip-wallet-rules), `ddbtui partiql` refuses a literal bad balance and a balance it
cannot check; hostile input (overlong, unicode, blank) gets a sentence, never a crash; the
pending-intents file survives a restart and never holds credentials."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import pytest

from ddbtui.cli import main
from ddbtui.dynamo import tables as T
from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.clients import client_for
from ddbtui.dynamo.errors import ValidationError
from tests.conftest import connection_for

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture(scope="module")
def ddb(dynamodb_local_engine):
    conn = connection_for(dynamodb_local_engine)
    return conn, client_for(conn)


@pytest.fixture
def wallets(ddb):
    conn, cl = ddb
    name = f"wt_{uuid.uuid4().hex[:10]}"
    T.create_table(cl, T.wallet_spec(name), wait=True)
    W.create_wallet(cl, name, "alice", 100)
    yield name
    T.delete_table(cl, name)


def run(capfd, *args):
    capfd.readouterr()
    code = main([*args])
    out, err = capfd.readouterr()
    return code, out, err


def ids(cl, table):
    return sorted(i["user_id"]["S"] for i in cl.scan(TableName=table, ConsistentRead=True)["Items"])


BAD_JSONL = [
    ('{"user_id": "u2", "balance": -5}', "balance cannot be negative"),
    ('{"user_id": "u2", "balance": "ten"}', "balance must be a number"),
    ('{"user_id": "u2"}', "a wallet needs a balance"),
    ('{"user_id": "   ", "balance": 1}', "enter a user id"),
    ('{"user_id": " u2", "balance": 1}', "spaces around it"),
    ('{"user_id": "u\\u200b2", "balance": 1}', "invisible character (U+200B"),
    ('{"user_id": "' + "x" * 3000 + '", "balance": 1}', "2048 bytes"),
]


@pytest.mark.parametrize("bad,said", BAD_JSONL, ids=["negative", "text", "missing", "blank-id", "spaced-id",
                                                     "zero-width-id", "overlong-id"])
def test_import_into_a_wallet_table_checks_the_whole_file_first(ddb, wallets, tmp_path, capfd, bad, said):
    conn, cl = ddb
    f = tmp_path / "w.jsonl"
    good = [json.dumps({"user_id": f"ok{i}", "balance": i}) for i in range(30)]  # > one batch of 25
    f.write_text("\n".join([*good, bad, '{"user_id": "late", "balance": 1}']) + "\n", encoding="utf-8")
    code, out, err = run(capfd, "import", wallets, str(f), "--endpoint-url", conn.endpoint_url)
    assert code == 2, err
    assert "line 31 (record 31)" in err and said in err and "Nothing was written" in err
    assert "--skip-wallet-rules" in err
    assert len(err) < 600  # a sentence, not the 3,000-character id
    assert ids(cl, wallets) == ["alice"]  # nothing half-written


def test_import_csv_wallet_balance_is_a_number_and_checked(ddb, wallets, tmp_path, capfd):
    conn, cl = ddb
    f = tmp_path / "w.csv"
    f.write_text("user_id,balance\nbob,10\ncarol,-1\n", encoding="utf-8")
    code, _, err = run(capfd, "import", wallets, str(f), "--endpoint-url", conn.endpoint_url)
    assert code == 2 and "line 3 (record 2)" in err and "negative" in err
    assert ids(cl, wallets) == ["alice"]
    f.write_text("user_id,balance\nbob,10\ncarol,abc\n", encoding="utf-8")
    code, _, err = run(capfd, "import", wallets, str(f), "--endpoint-url", conn.endpoint_url)
    assert code == 2 and "line 3" in err and "not a number" in err
    f.write_text("user_id,balance\nbob,10\ncarol,2.5\n", encoding="utf-8")
    code, _, err = run(capfd, "import", wallets, str(f), "--endpoint-url", conn.endpoint_url)
    assert code == 0, err
    assert W.get_wallet(cl, wallets, "carol")["balance"] == Decimal("2.5")  # N without --types


def test_import_override_writes_as_is_and_plain_tables_are_unaffected(ddb, wallets, tmp_path, capfd):
    conn, cl = ddb
    f = tmp_path / "w.jsonl"
    f.write_text('{"user_id": "neg", "balance": -5}\n', encoding="utf-8")
    code, _, err = run(capfd, "import", wallets, str(f), "--skip-wallet-rules", "--endpoint-url",
                       conn.endpoint_url)
    assert code == 0, err
    assert W.get_wallet(cl, wallets, "neg")["balance"] == -5
    # the refusal the wallet operations then give is a sentence
    out = W.withdraw(cl, wallets, "neg", 1)
    assert isinstance(out, W.Refused) and "insufficient funds" in out.reason


def test_import_help_documents_the_override(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "--skip-wallet-rules" in capsys.readouterr().out


@pytest.mark.parametrize("statement,said", [
    ("INSERT INTO \"{t}\" VALUE {{'user_id': 'z', 'balance': -5}}", "cannot be negative"),
    ("INSERT INTO \"{t}\" VALUE {{'user_id': 'z', 'balance': 'lots'}}", "the text 'lots'"),
    ("INSERT INTO \"{t}\" VALUE {{'user_id': 'z'}}", "no balance"),
    ("UPDATE \"{t}\" SET balance = -1 WHERE user_id = 'alice'", "cannot be negative"),
    ("UPDATE \"{t}\" REMOVE balance WHERE user_id = 'alice'", "without a balance"),
])
def test_partiql_refuses_a_literal_bad_balance_before_sending(ddb, wallets, capfd, statement, said):
    conn, cl = ddb
    code, _, err = run(capfd, "partiql", statement.format(t=wallets), "--skip-wallet-rules",
                       "--endpoint-url", conn.endpoint_url)
    assert code == 2 and said in err and "Nothing was sent" in err
    assert ids(cl, wallets) == ["alice"]
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 100


def test_partiql_parameters_are_checked_by_value(ddb, wallets, capfd):
    conn, cl = ddb
    st = f"UPDATE \"{wallets}\" SET balance = ? WHERE user_id = ?"
    for params, said in (('[-3, "alice"]', "cannot be negative"), ('["3", "alice"]', "the text '3'"), ('[null, "alice"]', "type NULL")):
        code, _, err = run(capfd, "partiql", st, "--parameters", params, "--skip-wallet-rules",
                           "--endpoint-url", conn.endpoint_url)
        assert code == 2 and said in err and "--parameters" in err, err
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 100
    code, _, err = run(capfd, "partiql", st, "--parameters", '[3, "alice"]', "--endpoint-url", conn.endpoint_url)
    assert code == 0, err
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 3


def test_partiql_unchecked_balance_needs_the_flag(ddb, wallets, capfd):
    conn, cl = ddb
    st = f"UPDATE \"{wallets}\" SET balance = balance - 500 WHERE user_id = 'alice'"
    code, _, err = run(capfd, "partiql", st, "--endpoint-url", conn.endpoint_url)
    assert code == 2 and "bypasses the wallet rules" in err and "--skip-wallet-rules" in err
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 100
    ok = f"UPDATE \"{wallets}\" SET balance = 7 WHERE user_id = 'alice'"
    code, _, err = run(capfd, "partiql", ok, "--endpoint-url", conn.endpoint_url)
    assert code == 0, err
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 7


@pytest.mark.parametrize("value,said", [
    ("", "enter an amount"), ("   ", "enter an amount"), ("1" * 5000, "5,000 characters long"),
    ("１０", "digits 0-9"), ("5\u200b", "invisible character"), ("NaN", "not a finite number"),
], ids=["empty", "blank", "overlong", "fullwidth", "zero-width", "nan"])
def test_amount_hostile_input_is_a_sentence(value, said):
    with pytest.raises(ValidationError) as e:
        W.amount_value(value)
    assert said in e.value.message and len(e.value.message) < 200


@pytest.mark.parametrize("value,said", [
    ("", "enter a user id"), (" \t ", "enter a user id"), ("é" * 1100, "2,200 bytes"),
    ("bob\u202e", "invisible character"), ("a\ud800", "broken character"), ("a\x00b", "invisible character"),
], ids=["empty", "blank", "overlong", "bidi", "surrogate", "nul"])
def test_user_id_hostile_input_is_a_sentence(value, said):
    with pytest.raises(ValidationError) as e:
        W.user_id_value(value)
    assert said in e.value.message and len(e.value.message) < 200
    assert W.user_id_value("zoë 用户") == "zoë 用户"  # unicode ids are fine


def test_pending_intent_survives_a_restart_and_retries_once(ddb, wallets, tmp_path):
    """An unknown outcome kept in the file, read back by a new store (a restart), resent with
    its token: DynamoDB applies it at most once (here it had applied already: once in all)."""
    conn, cl = ddb
    op = W.deposit_op(wallets, "alice", "5")
    assert isinstance(W.execute(cl, op), W.Applied)  # applied; pretend the answer was lost
    path = tmp_path / "pending.json"
    W.PendingIntents(path).put(W.PendingIntent.from_unknown(W.Unknown(op, "dropped", time.monotonic()),
                                                            conn.describe()))
    again = W.PendingIntents(path).load()  # a new process reads the file
    assert [i.token for i in again] == [op.token] and again[0].amount == "5"
    out = W.retry_safely(cl, again[0].unknown())
    assert isinstance(out, W.Applied)
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 105  # once
    text = path.read_text()
    assert "secret" not in text.lower() and "aws_access" not in text.lower()
    # eleven minutes later a retry is refused, nothing sent
    late = W.PendingIntent.from_json({**again[0].to_json(), "first_sent_at": again[0].first_sent_at - 660})
    out = W.retry_safely(cl, late.unknown())
    assert isinstance(out, W.Unknown) and out.window_closed and "too late to retry safely" in out.summary()
    assert W.get_wallet(cl, wallets, "alice")["balance"] == 105


def test_pending_file_damaged_is_a_sentence(tmp_path):
    path = tmp_path / "pending.json"
    path.write_text('{"intents": [{"token": "t", "kind": "steal"}]}')
    with pytest.raises(ValidationError) as e:
        W.PendingIntents(path).load()
    assert "damaged" in e.value.message and "move the file away" in e.value.message


def test_new_wallet_item_id_rules():
    W.check_wallet_item({"user_id": " bob", "balance": Decimal(1)})  # an existing item keeps its key
    with pytest.raises(ValidationError, match="spaces around it"):
        W.check_wallet_item({"user_id": " bob", "balance": Decimal(1)}, new=True)
    with pytest.raises(ValidationError, match="invisible character"):
        W.check_wallet_item({"user_id": "bob\u200b", "balance": Decimal(1)}, new=True)


def _put_many(path, start):
    for i in range(start, start + 60):
        op = W.deposit_op("wallets", f"u{i}", "1")
        W.PendingIntents(path).put(W.PendingIntent.from_unknown(W.Unknown(op, "dropped", time.monotonic()), "t"))


def test_pending_file_keeps_every_intent_from_concurrent_processes(tmp_path):
    """Three processes (`ddbtui serve` tabs) adding intents at once: none is lost (without the
    lock file this loses some in 2 of 2 runs here)."""
    import multiprocessing

    path = tmp_path / "pending.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_put_many, args=(path, s)) for s in (0, 100)]
    for p in procs:
        p.start()
    _put_many(path, 200)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(W.PendingIntents(path).load()) == 180
