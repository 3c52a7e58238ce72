"""Shared fixtures: a real local Data Access server, an "evil" second host, and clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from loader.client import DataAccessClient
from tests.python.fake_data_access import FakeDataAccess


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An isolated loader configuration: its own warehouse, landing folder and no .env."""
    monkeypatch.setenv("LP_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("LANDING_DIR", str(tmp_path / "landing"))
    for name in list(os.environ):
        if name.startswith("LP_") and name != "LP_ENV_FILE":
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
