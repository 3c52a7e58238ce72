"""Shared fixtures: a real local Data Access server, an "evil" second host, and clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from loader.client import DataAccessClient
from loader.pseudonym_key import ENV_NAME as PSEUDONYM_KEY_ENV
from loader.pseudonym_key import ensure_key
from tests.python.fake_data_access import FakeDataAccess


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Every dbt run of the tests hashes with a key of the test session's own (never the
    user's ~/.config key): the path is in the environment the subprocesses inherit."""
    path = ensure_key(tmp_path_factory.mktemp("pseudonym") / "pseudonym.key")
    before = os.environ.get(PSEUDONYM_KEY_ENV)
    os.environ[PSEUDONYM_KEY_ENV] = str(path)
    yield str(path)
    if before is None:
        os.environ.pop(PSEUDONYM_KEY_ENV, None)
    else:
        os.environ[PSEUDONYM_KEY_ENV] = before


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An isolated loader configuration: its own warehouse, landing folder and no .env."""
    monkeypatch.setenv("LP_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("LANDING_DIR", str(tmp_path / "landing"))
    for name in list(os.environ):
        if name.startswith("LP_") and name not in ("LP_ENV_FILE", PSEUDONYM_KEY_ENV):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def fake_server() -> Iterator[FakeDataAccess]:
    """A running fake Data Access (and Sentinel) host on 127.0.0.1."""
    with FakeDataAccess() as server:
        yield server


@pytest.fixture
def evil_server() -> Iterator[FakeDataAccess]:
    """A second host on another port: credentials must never reach it."""
    with FakeDataAccess() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Every pause a client asked for (clients from `make_client` never really sleep)."""
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[Callable[..., DataAccessClient]]:
    """Build clients with recorded sleeps and short timeouts; all closed after the test."""
    clients: list[DataAccessClient] = []

    def make(settings: object, **kwargs: object) -> DataAccessClient:
        kwargs.setdefault("sleep", sleeps.append)
        kwargs.setdefault("timeout", (2, 5))
        client = DataAccessClient(settings, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
