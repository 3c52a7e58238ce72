"""No secret leaks: every command, succeeding and failing, with --verbose, as a real process.

With the fake server's distinctive credentials in the environment (OAuth1, then OAuth2), each
command runs as `python -m loader ... --verbose` in its own folder (its working directory, its
warehouse and landing folder). Afterwards no secret, and no OAuth2 token the server issued, may
appear in its stdout or stderr, in any file under that folder (landed originals, the warehouse
and its WAL, the lock file, anything a run might log to), or in any text column of any table
of its warehouse.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pytest

from tests.python.fake_data_access import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    ACCOUNT_ID,
    ALL_SECRETS,
    APP_KEY,
    APP_SECRET,
    CLIENT_ID,
    CLIENT_SECRET,
    Credentials,
    FakeDataAccess,
    echo,
    error,
    raw,
    redirect,
)
from tests.python.gzfiles import BASE_HOUR_MS, HOUR_MS, file_name, lines, visit, write_visits

REPO = Path(__file__).resolve().parents[2]
WINDOW = ["--start", str(BASE_HOUR_MS), "--end", str(BASE_HOUR_MS + 6 * HOUR_MS)]


def credentials(auth: str, server: FakeDataAccess) -> dict[str, str]:
    if auth == "oauth1":
        return {
            "LP_APP_KEY": APP_KEY,
            "LP_APP_SECRET": APP_SECRET,
            "LP_ACCESS_TOKEN": ACCESS_TOKEN,
            "LP_ACCESS_TOKEN_SECRET": ACCESS_TOKEN_SECRET,
        }
    return {"LP_CLIENT_ID": CLIENT_ID, "LP_CLIENT_SECRET": CLIENT_SECRET}


@dataclass
class Run:
    """One command in its own folder, against its own server."""

    name: str
    argv: list[str]
    expected_exit: int
    root: Path
    server: FakeDataAccess
    evil: FakeDataAccess
    process: subprocess.Popen | None = None
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    extra_checks: list[Callable[[Run], None]] = field(default_factory=list)


def serve_files(server: FakeDataAccess) -> None:
    for hour in range(2):
        data = gzip.compress(lines([visit(f"{hour}-{i}") for i in range(3)]), mtime=0)
        server.add_file(file_name(hour), data)


# Each case: how to set up its server, the command, the exit status it must end with.
def _pull_ok(server, evil, auth):
    serve_files(server)


def _pull_401(server, evil, auth):
    serve_files(server)
    server.inject(server.list_path, error(401, "Unauthorized request", code=10), times=2)


def _pull_500_exhausted(server, evil, auth):
    serve_files(server)
    # Retry-After: 0, so the four attempts don't wait.
    server.inject(server.list_path, error(500, "Internal error", retry_after="0"), times=4)


def _pull_redirected_elsewhere(server, evil, auth):
    serve_files(server)
    path = server.file_path(file_name(0))
    server.inject(path, redirect(evil.url + path))


def _pull_secret_echoed(server, evil, auth):
    # A server that quotes the configured credentials back in its error.
    serve_files(server)
    echoed = " ".join(credentials(auth, server).values())
    server.inject(server.list_path, error(400, f"bad request from {echoed}", code=3))
    if auth == "oauth2":
        body = json.dumps({"error": "invalid_client", "error_description": echoed}).encode()
        server.inject(server.token_path, raw(401, body, "application/json"))


def _nothing(server, evil, auth):
    pass


PULL = ["pull", "--verbose", *WINDOW]
CASES: dict[str, tuple[Callable, list[str], int]] = {
    "pull": (_pull_ok, PULL, 0),
    "pull answered 401": (_pull_401, PULL, 1),
    "pull answered 500 until retries run out": (_pull_500_exhausted, PULL, 1),
    "pull redirected to another host": (_pull_redirected_elsewhere, PULL, 1),
    "pull whose server echoes the secrets": (_pull_secret_echoed, PULL, 1),
    "ingest (one good file, one bad)": (_nothing, ["ingest", "--verbose", "{root}/in"], 1),
    "sample": (_nothing, ["sample", "--verbose", "--out", "{root}/sample", "--visits", "30"], 0),
    "has-credentials": (_nothing, ["has-credentials", "--verbose"], 0),
}
# Run after the others, on the warehouses they left.
STATUS_OF = {
    "status after pull": "pull",
    "status after a failed ingest": "ingest (one good file, one bad)",
}


def environment(run: Run, auth: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LP_")}
    env.update(
        PYTHONPATH=str(REPO),
        LP_ENV_FILE=str(run.root / "no.env"),
        WAREHOUSE_PATH=str(run.root / "w.duckdb"),
        LANDING_DIR=str(run.root / "landing"),
        LP_ACCOUNT_ID=ACCOUNT_ID,
        LP_DATA_ACCESS_URL=run.server.url,
        LP_SENTINEL_URL=run.server.url,
        **credentials(auth, run.server),
    )
    return env


def start(run: Run, auth: str) -> None:
    argv = [part.replace("{root}", str(run.root)) for part in run.argv]
    run.process = subprocess.Popen(
        [sys.executable, "-m", "loader", *argv],
        cwd=run.root,
        env=environment(run, auth),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(run: Run) -> None:
    assert run.process is not None
    run.stdout, run.stderr = run.process.communicate(timeout=120)
    run.returncode = run.process.returncode


def text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        """
        select table_schema, table_name, column_name from information_schema.columns
        where data_type in ('VARCHAR', 'JSON') order by all
        """
    ).fetchall()


def secrets_in_warehouse(path: Path, secrets: list[str]) -> list[str]:
    """Every (table.column, secret) where a text or JSON value contains the secret."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = text_columns(con)
        assert ("raw", "web_session_files", "error") in columns
        assert ("raw", "web_sessions", "record") in columns
        for schema, table, column in columns:
            checks = ", ".join(
                f'count(*) filter (where contains("{column}"::varchar, ?))' for _ in secrets
            )
            counts = con.execute(
                f'select {checks} from "{schema}"."{table}"', list(secrets)
            ).fetchone()
            found += [
                f"{schema}.{table}.{column}: {secret}"
                for secret, count in zip(secrets, counts, strict=True)
                if count
            ]
    return found


def secrets_in_files(root: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                with suppress(OSError, EOFError):
                    data += gzip.decompress(data)
            found += [f"{path}: {s}" for s in secrets if s.encode() in data]
    return found


@pytest.fixture
def servers() -> Iterator[Callable[[], FakeDataAccess]]:
    with ExitStack() as stack:
        yield lambda: stack.enter_context(FakeDataAccess())


@pytest.mark.parametrize("auth", ["oauth1", "oauth2"])
def test_no_secret_in_any_output_file_or_table_of_any_command(tmp_path, servers, auth):
    runs: dict[str, Run] = {}
    for name, (setup, argv, expected) in CASES.items():
        root = tmp_path / name.replace(" ", "_").replace("(", "").replace(")", "")
        root.mkdir()
        run = Run(name, argv, expected, root, servers(), servers())
        setup(run.server, run.evil, auth)
        runs[name] = run
    write_visits(runs["ingest (one good file, one bad)"].root / "in", file_name(0), ["a", "b"])
    bad = runs["ingest (one good file, one bad)"].root / "in" / file_name(1)
    bad.write_bytes(gzip.compress(b'{"recordCollection": [] , oops\n', mtime=0))

    for run in runs.values():  # independent: run them side by side
        start(run, auth)
    for run in runs.values():
        finish(run)
    statuses = {
        name: Run(
            name,
            ["status", "--verbose"],
            0,
            runs[source].root,
            runs[source].server,
            runs[source].evil,
        )
        for name, source in STATUS_OF.items()
    }
    for run in statuses.values():
        start(run, auth)
    for run in statuses.values():
        finish(run)
    runs.update(statuses)

    # The runs did what they were meant to, so the scan below looks at real output.
    for run in runs.values():
        assert run.returncode == run.expected_exit, (run.name, run.stderr)
    assert "DEBUG" in runs["pull"].stderr  # --verbose was on
    assert "files landed:  2" in runs["status after pull"].stdout
    assert "refusing to send credentials" in runs["pull redirected to another host"].stderr
    assert all(not run.evil.requests for run in runs.values())
    if auth == "oauth2":
        assert runs["pull"].server.issued_tokens

    tokens = [t for run in runs.values() for t in run.server.issued_tokens]
    secrets = [*ALL_SECRETS, *tokens]
    leaks = []
    for run in runs.values():
        leaks += [f"{run.name} stdout: {s}" for s in secrets if s in run.stdout]
        leaks += [f"{run.name} stderr: {s}" for s in secrets if s in run.stderr]
        leaks += [f"{run.name} {hit}" for hit in secrets_in_files(run.root, secrets)]
        if (run.root / "w.duckdb").exists():
            leaks += [
                f"{run.name} {hit}" for hit in secrets_in_warehouse(run.root / "w.duckdb", secrets)
            ]
    assert leaks == []
    # The scans do see a value where there is one.
    assert secrets_in_files(runs["pull"].root, ["visitor-0-1"])
    assert secrets_in_warehouse(runs["pull"].root / "w.duckdb", [f"/account/{ACCOUNT_ID}/"])


# ---- secrets full of reserved characters, in every encoding ---------------------------------

RESERVED = Credentials(
    app_key="k/ey+A=1&b%2F c",
    app_secret="s3cr/et+X=9?#",
    access_token="t/ok+en=42&x",
    access_token_secret="ts/ec+ret=7%",
    client_id="cl/ient+id=5",
    client_secret="cs/ecret+X=9",
)
LINK_TOKEN = "linkTok3n+/=Zq9"  # a signed listing link's query value


def encoded(secret: str) -> set[str]:
    """`secret` as libraries print it: written out here, not taken from loader.redact."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote(secret, safe="~"),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
    }
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), f) for f in list(forms)}
    forms.add(base64.b64encode(secret.encode()).decode())
    return forms


def basic_headers(credentials: Credentials) -> set[str]:
    pairs = [
        (credentials.client_id, credentials.client_secret),
        (credentials.app_key, credentials.app_secret),
    ]
    return {base64.b64encode(f"{a}:{b}".encode()).decode() for a, b in pairs}


def reserved_run(root: Path, server: FakeDataAccess, auth: str, argv: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LP_")}
    keys = server.credentials
    secrets = (
        {
            "LP_APP_KEY": keys.app_key,
            "LP_APP_SECRET": keys.app_secret,
            "LP_ACCESS_TOKEN": keys.access_token,
            "LP_ACCESS_TOKEN_SECRET": keys.access_token_secret,
        }
        if auth == "oauth1"
        else {"LP_CLIENT_ID": keys.client_id, "LP_CLIENT_SECRET": keys.client_secret}
    )
    env.update(
        PYTHONPATH=str(REPO),
        LP_ENV_FILE=str(root / "no.env"),
        WAREHOUSE_PATH=str(root / "w.duckdb"),
        LANDING_DIR=str(root / "landing"),
        LP_ACCOUNT_ID=ACCOUNT_ID,
        LP_DATA_ACCESS_URL=server.url,
        LP_SENTINEL_URL=server.url,
        **secrets,
    )
    done = subprocess.run(
        [sys.executable, "-m", "loader", *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("auth", ["oauth1", "oauth2"])
def test_secrets_full_of_reserved_characters_never_show_in_any_encoding(tmp_path, auth):
    outputs: dict[str, str] = {}
    roots = []
    for case in ("pull", "list echoes the request", "token echoes the form"):
        if case == "token echoes the form" and auth == "oauth1":
            continue
        root = tmp_path / case.replace(" ", "_")
        root.mkdir()
        roots.append(root)
        with FakeDataAccess(credentials=RESERVED) as server:
            data = gzip.compress(lines([visit("v1"), visit("v2")]), mtime=0)
            href = server.add_file(file_name(0), data)
            server.add_file(file_name(0), data, href=f"{href}?token={quote(LINK_TOKEN)}&sig=1")
            if case == "list echoes the request":
                server.inject(server.list_path, echo(400))
            if case == "token echoes the form":
                server.inject(server.token_path, echo(400))
            # --verbose before the subcommand: debug output (urllib3 request lines) included.
            outputs[case] = reserved_run(root, server, auth, ["--verbose", "pull", *WINDOW])
            issued = list(server.issued_tokens)

    assert "DEBUG" in outputs["pull"] and "1 landed" in outputs["pull"], outputs["pull"]
    assert "rejected GET" in outputs["list echoes the request"]  # the echo was shown, scrubbed
    if auth == "oauth2":
        assert "rejected POST" in outputs["token echoes the form"]
    values = [*RESERVED.all(), LINK_TOKEN, *issued]
    forms = set().union(*(encoded(value) for value in values)) | basic_headers(RESERVED)
    forms = {form for form in forms if len(form) >= 6}
    leaks = [f"{case}: {form}" for case, out in outputs.items() for form in forms if form in out]
    for root in roots:
        leaks += secrets_in_files(root, sorted(forms))
        if (root / "w.duckdb").exists():
            leaks += secrets_in_warehouse(root / "w.duckdb", sorted(forms))
    assert leaks == []
    # The ledger keeps where the file came from, without the link's query values.
    with duckdb.connect(str(roots[0] / "w.duckdb"), read_only=True) as con:
        (uri,) = con.execute("select source_uri from raw.web_session_files").fetchone()
    assert uri.endswith(f"{file_name(0)}?token=***&sig=***"), uri
