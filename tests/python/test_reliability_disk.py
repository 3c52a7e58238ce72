"""A disk that fills up: clean failure naming the file, nothing half-landed, a rerun completes.

The landing folder or the warehouse is put on a small tmpfs (root only: CI runs as root). When
it is full, the run must end with exit 1 and a plain "No space left on device" naming the file,
no traceback, no temporary file left, a ledger that agrees with the rows; and once space is
freed (the tmpfs is remounted bigger) a rerun must give exactly the warehouse and landing
folder of a run that never hit the wall.
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loader import land, pull
from loader.cli import main
from loader.client import DataAccessClient
from tests.python.fake_data_access import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    ACCOUNT_ID,
    APP_KEY,
    APP_SECRET,
)
from tests.python.gzfiles import BASE_HOUR_MS, HOUR_MS, file_name, lines, visit, write_gz
from tests.python.landing_folder import landing_files, originals

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)"
)

NO_SPACE = "No space left on device"


class SmallDisks:
    """tmpfs mounts made by one test, unmounted after it."""

    def __init__(self) -> None:
        self.mounts: list[Path] = []

    def mount(self, path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True
        )
        self.mounts.append(path)
        return path

    def grow(self, path: Path, size: str) -> None:
        """Free space the way a user would see it: the same folder, now with room."""
        subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)

    def unmount_all(self) -> None:
        for path in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def disks() -> Iterator[SmallDisks]:
    made = SmallDisks()
    try:
        yield made
    finally:
        made.unmount_all()


@pytest.fixture
def configure(tmp_path, monkeypatch):
    """Point the loader at a warehouse and a landing folder; no .env, no LP_ settings."""
    for name in list(os.environ):
        if name.startswith("LP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LP_ENV_FILE", str(tmp_path / "no.env"))

    def point(warehouse: Path, landing: Path, **extra: str) -> None:
        monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
        monkeypatch.setenv("LANDING_DIR", str(landing))
        for name, value in extra.items():
            monkeypatch.setenv(name, value)

    return point


def noisy_files(folder: Path, count: int, visits: int, seed: int = 7) -> list[Path]:
    """Files that compress poorly (random hex in every record), so a few fill a small disk."""
    rng = random.Random(seed)
    paths = []
    for hour in range(count):
        records = []
        for i in range(visits):
            record = visit(f"h{hour}-{i}", pages=2)
            record["noise"] = f"{rng.getrandbits(1024):0256x}"
            records.append(record)
        paths.append(write_gz(folder / file_name(hour), lines(records)))
    return paths


def warehouse_content(path: Path) -> tuple[list, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select file_name, line_number, record from raw.web_sessions order by all"
        ).fetchall()
        ledger = con.execute(
            "select file_name, sha256, size_bytes, record_count, status, error "
            "from raw.web_session_files order by all"
        ).fetchall()
    return rows, ledger


def assert_consistent(path: Path) -> dict[str, str]:
    """Ledger and rows agree: a landed file has exactly its counted rows, numbered 1..n, and a
    file never landed has none. Returns each file's status."""
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            """
            with counted as (
                select file_name, count(*) as n, count(distinct line_number) as d,
                    min(line_number) as lo, max(line_number) as hi
                from raw.web_sessions group by file_name
            )
            select f.file_name, c.file_name, f.status, f.landed_at is not null,
                f.record_count, c.n, c.d, c.lo, c.hi
            from raw.web_session_files as f
            full join counted as c on c.file_name = f.file_name
            """
        ).fetchall()
    statuses = {}
    for ledger_name, rows_name, status, landed, count, n, distinct, lo, hi in found:
        assert ledger_name is not None, f"rows of {rows_name} have no ledger row"
        if landed:
            assert (n, distinct, lo, hi) == (count, count, 1, count), (ledger_name, status)
        else:
            assert n is None, f"{ledger_name} ({status}) has {n} half-landed rows"
        statuses[ledger_name] = status
    return statuses


def reference(tmp_path: Path, configure, argv: list[str]) -> tuple[tuple, dict]:
    """What a run that never hits a full disk produces (`configure` or `pull_env`)."""
    configure(tmp_path / "ref" / "w.duckdb", tmp_path / "ref" / "landing")
    assert main(argv) == 0
    return warehouse_content(tmp_path / "ref" / "w.duckdb"), landing_files(
        tmp_path / "ref" / "landing"
    )


def assert_equals_reference(warehouse: Path, landing: Path, expected: tuple[tuple, dict]) -> None:
    """The run's result is exactly what a run that never ran out of space produced."""
    assert warehouse_content(warehouse) == expected[0]
    assert landing_files(landing) == expected[1]


PENDING = "not landed, as the run stopped"


def assert_full_warehouse_failure(err: str, sources: list[Path], warehouse: Path) -> None:
    """A warehouse disk filled part-way: named, consistent, some batches landed, not all;
    every file that did not land, in the failing batch or in a batch still pending, is in
    the summary."""
    disk_full = [line for line in failure_lines(err) if PENDING not in line]
    assert_clean_failure("\nFailed:\n" + "\n".join(disk_full), [p.name for p in sources])
    assert str(warehouse) in err
    statuses = assert_consistent(warehouse)
    landed = {name for name, status in statuses.items() if status == "landed"}
    assert 0 < len(landed) < len(sources), statuses
    (pending,) = [line for line in failure_lines(err) if PENDING in line]
    missing = [p.name for p in sources if p.name not in landed]
    assert pending.startswith(f"  - {len(missing)} files {PENDING}: "), pending
    assert all(name in pending for name in missing), (missing, pending)


def failure_lines(err: str) -> list[str]:
    """The lines of the summary's "Failed:" section."""
    assert "\nFailed:\n" in err, err
    return [line for line in err.split("\nFailed:\n", 1)[1].splitlines() if line.startswith("  - ")]


def assert_clean_failure(err: str, names: list[str], failed: list[str] = ()) -> None:
    """No traceback; every failure says, in plain words, that the disk is full and names the
    file(s) concerned; each file recorded as failed is named in a failure line."""
    assert "Traceback" not in err, err
    found = failure_lines(err)
    assert found, err
    for line in found:
        assert NO_SPACE in line and any(name in line for name in names), line
    for name in failed:
        assert any(name in line for line in found), (name, found)


def test_a_full_landing_folder_fails_cleanly_and_a_rerun_completes(
    tmp_path, configure, disks, capsys
):
    sources = noisy_files(tmp_path / "in", count=8, visits=120)
    size = sources[0].stat().st_size
    argv = ["ingest", str(tmp_path / "in")]
    expected = reference(tmp_path, configure, argv)
    landing = disks.mount(tmp_path / "landing", f"{size * 3 + size // 2}")
    configure(tmp_path / "w.duckdb", landing)
    capsys.readouterr()

    assert main(argv) == 1

    err = capsys.readouterr().err
    statuses = assert_consistent(tmp_path / "w.duckdb")
    landed = [name for name, status in statuses.items() if status == "landed"]
    failed = [name for name, status in statuses.items() if status == "failed"]
    assert landed and failed, statuses  # the disk really filled up part-way
    assert_clean_failure(err, [p.name for p in sources], failed)
    # What is in the landing folder is whole: no temporary file, no cut-off copy.
    kept = originals(landing)
    assert all(not name.endswith((".tmp", ".part", ".download")) for name in kept), kept
    by_name = {p.name: p.read_bytes() for p in sources}
    assert all(data == by_name[Path(name).name] for name, data in kept.items())

    disks.grow(landing, "50m")
    assert main(argv) == 0

    assert_equals_reference(tmp_path / "w.duckdb", landing, expected)


def test_a_full_warehouse_disk_fails_cleanly_and_a_rerun_completes(
    tmp_path, configure, disks, capsys, monkeypatch
):
    # Several batches, so some commit before the disk is full and one does not.
    monkeypatch.setattr(land, "BATCH_FILES", 2)
    sources = noisy_files(tmp_path / "in", count=10, visits=400)
    argv = ["ingest", str(tmp_path / "in")]
    expected = reference(tmp_path, configure, argv)
    disk = disks.mount(tmp_path / "disk", "3m")
    configure(disk / "w.duckdb", tmp_path / "landing")
    capsys.readouterr()

    assert main(argv) == 1

    assert_full_warehouse_failure(capsys.readouterr().err, sources, disk / "w.duckdb")

    disks.grow(disk, "200m")
    assert main(argv) == 0

    assert_equals_reference(disk / "w.duckdb", tmp_path / "landing", expected)


def fill(disk: Path) -> Path:
    """Fill `disk` to the last byte with a filler file; returns it (delete it to free space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    for size in (4096, 512, 1):  # the last partial blocks
        try:
            with filler.open("ab", buffering=0) as handle:
                while True:
                    handle.write(b"\0" * size)
        except OSError:
            pass
    return filler


def test_a_warehouse_disk_full_before_the_run_is_explained_and_a_rerun_completes(
    tmp_path, configure, disks, capsys
):
    noisy_files(tmp_path / "in", count=2, visits=50)
    argv = ["ingest", str(tmp_path / "in")]
    expected = reference(tmp_path, configure, argv)
    disk = disks.mount(tmp_path / "disk", "1m")
    filler = fill(disk)
    configure(disk / "w.duckdb", tmp_path / "landing")
    capsys.readouterr()

    assert main(argv) == 1

    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and NO_SPACE in err and str(disk) in err, err
    assert len(err.splitlines()) == 1, err
    assert not (tmp_path / "landing").exists()

    filler.unlink()
    assert main(argv) == 0

    assert_equals_reference(disk / "w.duckdb", tmp_path / "landing", expected)


# ---- pull ----------------------------------------------------------------------------------


@pytest.fixture
def pull_env(fake_server, configure, monkeypatch):
    """`python -m loader pull` in this process against the fake server, without real pauses."""
    monkeypatch.setattr(
        pull, "DataAccessClient", functools.partial(DataAccessClient, sleep=lambda s: None)
    )

    def point(warehouse: Path, landing: Path) -> None:
        configure(
            warehouse,
            landing,
            LP_ACCOUNT_ID=ACCOUNT_ID,
            LP_DATA_ACCESS_URL=fake_server.url,
            LP_APP_KEY=APP_KEY,
            LP_APP_SECRET=APP_SECRET,
            LP_ACCESS_TOKEN=ACCESS_TOKEN,
            LP_ACCESS_TOKEN_SECRET=ACCESS_TOKEN_SECRET,
        )

    return point


PULL_WINDOW = ["--start", str(BASE_HOUR_MS), "--end", str(BASE_HOUR_MS + 12 * HOUR_MS)]


def serve(fake_server, sources: list[Path]) -> None:
    for path in sources:
        fake_server.add_file(path.name, path.read_bytes())


def test_a_full_landing_folder_during_a_pull_fails_cleanly_and_a_rerun_completes(
    tmp_path, fake_server, pull_env, disks, capsys
):
    sources = noisy_files(tmp_path / "in", count=6, visits=120)
    serve(fake_server, sources)
    size = sources[0].stat().st_size
    argv = ["pull", *PULL_WINDOW]
    expected = reference(tmp_path, pull_env, argv)
    landing = disks.mount(tmp_path / "landing", f"{size * 2 + size // 2}")
    pull_env(tmp_path / "w.duckdb", landing)
    capsys.readouterr()

    assert main(argv) == 1

    err = capsys.readouterr().err
    statuses = assert_consistent(tmp_path / "w.duckdb")
    failed = [name for name, status in statuses.items() if status == "failed"]
    assert failed and "landed" in statuses.values(), statuses
    assert_clean_failure(err, [p.name for p in sources], failed)
    kept = originals(landing)
    assert all(name.endswith(".gz") for name in kept), kept  # no .part or .download left

    disks.grow(landing, "50m")
    assert main(argv) == 0

    assert_equals_reference(tmp_path / "w.duckdb", landing, expected)


def test_a_full_warehouse_disk_during_a_pull_fails_cleanly_and_a_rerun_completes(
    tmp_path, fake_server, pull_env, disks, capsys, monkeypatch
):
    # Several batches, so some commit before the disk is full and one does not.
    monkeypatch.setattr(land, "BATCH_FILES", 2)
    sources = noisy_files(tmp_path / "in", count=8, visits=400)
    serve(fake_server, sources)
    argv = ["pull", *PULL_WINDOW]
    expected = reference(tmp_path, pull_env, argv)
    disk = disks.mount(tmp_path / "disk", "3m")
    pull_env(disk / "w.duckdb", tmp_path / "landing")
    capsys.readouterr()

    assert main(argv) == 1

    assert_full_warehouse_failure(capsys.readouterr().err, sources, disk / "w.duckdb")

    disks.grow(disk, "200m")
    assert main(argv) == 0

    assert_equals_reference(disk / "w.duckdb", tmp_path / "landing", expected)
