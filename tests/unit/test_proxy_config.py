"""FaultConfig validation, the CLI option helpers, and the exact error wire format."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from ddbtui.local.proxy import (DATA_PLANE_OPS, FaultConfig, FaultProxy, add_proxy_arguments,
                                error_body, fault_config_from_args)


def _parse(*argv):
    p = argparse.ArgumentParser()
    add_proxy_arguments(p)
    return p.parse_args(list(argv))


def test_no_fault_option_gives_none():
    assert fault_config_from_args(_parse()) is None
    assert fault_config_from_args(_parse("--fault-seed", "3", "--fault-all-ops")) is None


def test_options_map_to_fields():
    cfg = fault_config_from_args(_parse(
        "--latency-ms", "20", "--jitter-ms", "5", "--throttle-rate", "0.1", "--throttling-rate", "0.05",
        "--error-rate", "0.01", "--drop-rate", "0.02", "--drop-after-rate", "0.03",
        "--unprocessed-rate", "0.5", "--fault-seed", "7", "--fault-all-ops"))
    assert cfg == FaultConfig(latency_ms=20, jitter_ms=5, throttle_rate=0.1, throttling_rate=0.05,
                              error_500_rate=0.01, drop_rate=0.02, drop_after_rate=0.03,
                              unprocessed_rate=0.5, seed=7, all_ops=True)
    assert fault_config_from_args(_parse("--latency-ms", "0")) == FaultConfig()  # explicit pass-through
    cfg = fault_config_from_args(_parse("--throttle-rate", "1", "--fault-ops", "PutItem, UpdateItem"))
    assert cfg.only_targets == frozenset({"PutItem", "UpdateItem"})


@pytest.mark.parametrize("argv, needle", [
    (["--throttle-rate", "1.5"], "--throttle-rate"),
    (["--drop-rate", "-0.1"], "--drop-rate"),
    (["--error-rate", "x"], "--error-rate"),
    (["--latency-ms", "-1"], "--latency-ms"),
])
def test_cli_rejects_out_of_range(capsys, argv, needle):
    with pytest.raises(SystemExit):
        _parse(*argv)
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("kw, needle", [
    ({"throttle_rate": 1.2}, "--throttle-rate"),
    ({"unprocessed_rate": -0.5}, "--unprocessed-rate"),
    ({"error_500_rate": 2}, "--error-rate"),
    ({"latency_ms": -3}, "--latency-ms"),
    ({"jitter_ms": float("nan")}, "--jitter-ms"),
    ({"throttle_rate": 0.6, "drop_rate": 0.6}, "at most 1"),
])
def test_config_validation_names_the_option(kw, needle):
    with pytest.raises(ValueError) as ei:
        FaultConfig(**kw)
    msg = str(ei.value)
    assert needle in msg and msg.endswith(".")


def test_fault_config_from_args_raises_value_error_for_sum():
    with pytest.raises(ValueError, match="at most 1"):
        fault_config_from_args(_parse("--throttle-rate", "0.7", "--error-rate", "0.7"))


def test_which_operations_are_faulted():
    cfg = FaultConfig(throttle_rate=0.1)
    for op in ("PutItem", "BatchWriteItem", "TransactWriteItems", "UpdateItem", "Query"):
        assert cfg.faults(op)
    for op in ("CreateTable", "DescribeTable", "DeleteTable", "ListTables", None):
        assert not cfg.faults(op)
    assert FaultConfig(all_ops=True).faults("CreateTable")
    only = FaultConfig(only_targets="PutItem,BatchWriteItem")
    assert only.faults("PutItem") and not only.faults("GetItem")
    assert "CreateTable" not in DATA_PLANE_OPS


def test_error_bodies_are_dynamodb_wire_format():
    assert error_body("throttle") == (
        b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
        b'"message":"The level of configured provisioned throughput for the table was exceeded. '
        b'Consider increasing your provisioning level with the UpdateTable API."}')
    assert json.loads(error_body("throttling")) == {
        "__type": "com.amazon.coral.availability#ThrottlingException",
        "message": "Rate of requests exceeds the allowed throughput."}
    assert json.loads(error_body("error_500")) == {
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error"}


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:8000", "http://h:1/prefix"])
def test_target_must_be_bare_http_url(url):
    with pytest.raises(ValueError):
        FaultProxy(url)


def test_describe_is_one_line():
    d = FaultConfig(latency_ms=20, jitter_ms=5, throttle_rate=0.1, seed=1).describe()
    assert "latency 20 ms" in d and "jitter ± 5 ms" in d and "throttle 0.1" in d and "seed 1" in d
    assert FaultConfig().describe() == "no faults (pass-through)"


def test_import_does_not_pull_textual_or_aiohttp():
    code = "import sys, ddbtui.local.proxy; print('textual' in sys.modules, 'aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
