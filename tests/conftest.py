"""Shared fixtures: real local engines on free loopback ports (no mocks).

- `dynamodb_local_engine` / `moto_engine`: session-scoped engines (DynamoDB Local in memory).
- `engine`: parametrized over both; DynamoDB Local is skipped, with the reason printed, only
  when Java truly cannot be had.
- `conn`, `client`, `table_name`: a Connection to that engine, its cached boto3 client, and a
  fresh unique table name.
"""

from __future__ import annotations

import os
import uuid

import pytest

# Tests never touch the user's real dirs or AWS credentials.
os.environ.setdefault("DDBTUI_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "ddbtui-data"))
os.environ.setdefault("DDBTUI_CONFIG_DIR", os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "ddbtui-config"))
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(var, None)

from ddbtui.config import Connection  # noqa: E402
from ddbtui.local.engine import EngineError, LocalEngine, dynamodb_local_available  # noqa: E402

_engines: dict[str, LocalEngine] = {}
_skip_reason: dict[str, str] = {}


def _get_engine(name: str) -> LocalEngine:
    if name in _skip_reason:
        pytest.skip(_skip_reason[name])
    eng = _engines.get(name)
    if eng is None:
        if name == "dynamodb-local":
            ok, why = dynamodb_local_available()
            if not ok:
                _skip_reason[name] = f"DynamoDB Local unavailable here: {why}"
                pytest.skip(_skip_reason[name])
        eng = LocalEngine(engine=name, in_memory=True)
        try:
            eng.start()
        except EngineError as e:
            if name == "dynamodb-local" and os.environ.get("CI"):
                raise
            _skip_reason[name] = f"{name} could not start: {e}"
            pytest.skip(_skip_reason[name])
        _engines[name] = eng
    return eng


@pytest.fixture(scope="session", autouse=True)
def _stop_engines():
    yield
    for eng in _engines.values():
        eng.stop()


def pytest_terminal_summary(terminalreporter):
    for why in _skip_reason.values():
        terminalreporter.write_line(f"NOTE: {why}", yellow=True)


@pytest.fixture(scope="session")
def dynamodb_local_engine() -> LocalEngine:
    return _get_engine("dynamodb-local")


@pytest.fixture(scope="session")
def moto_engine() -> LocalEngine:
    return _get_engine("moto")


ENGINE_PARAMS = [pytest.param("dynamodb-local", marks=pytest.mark.dynamodb_local), "moto"]


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request) -> LocalEngine:
    return _get_engine(request.param)


def connection_for(eng: LocalEngine) -> Connection:
    return Connection(region="us-east-1").with_endpoint(eng.endpoint_url, engine=eng.chosen)


@pytest.fixture
def conn(engine) -> Connection:
    return connection_for(engine)


@pytest.fixture
def client(conn):
    from ddbtui.dynamo.clients import client_for

    return client_for(conn)


@pytest.fixture
def table_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"
