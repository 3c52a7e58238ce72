"""The landing manifest: which originals in the landing folder hold landed data.

DuckDB reads the landed rows from the warehouse file; an engine that reads the landing folder
itself (Spark, see the README) needs to know which originals count. The ledger knows, so after
every `ingest` and `pull` the loader writes `LANDING_DIR/landed_files.csv` from it: one row
per file whose latest delivery landed, with its path relative to the landing folder, its
sha256, its record count and the `landed_at` the warehouse rows carry. Files that failed
(possibly corrupt) and replaced originals (`<name>.replaced-<sha12>`) are not in it.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb

from loader.files import parse_file_name

# Not `_…` or `.…`: Spark and Hadoop skip such names as hidden, even when named explicitly.
MANIFEST_NAME = "landed_files.csv"
COLUMNS = ("file_name", "landing_path", "sha256", "record_count", "landed_at")


def manifest_path(landing_dir: Path) -> Path:
    return landing_dir / MANIFEST_NAME


def write_manifest(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> int:
    """Rewrite the manifest atomically from the ledger; returns the number of files in it."""
    # The ledger's landed_at is the one its file's rows carry (one stamp per transaction).
    rows = con.execute(
        "select file_name, sha256, record_count, size_bytes, landed_at "
        "from raw.web_session_files where status = 'landed' order by file_name"
    ).fetchall()
    target = manifest_path(landing_dir)
    if not rows and not target.exists():
        return 0  # nothing landed yet: no landing folder to create
    temporary = target.with_name(target.name + ".tmp")
    landing_dir.mkdir(parents=True, exist_ok=True)
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            listed = 0
            for name, sha256, record_count, size_bytes, landed_at in rows:
                # The same place land.py keeps the original, relative and with `/`.
                relative = parse_file_name(name).landing_path(Path()).as_posix()
                if _other_content_kept(landing_dir / relative, size_bytes):
                    continue
                landed = landed_at.strftime("%Y-%m-%d %H:%M:%S.%f")
                writer.writerow((name, relative, sha256, record_count, landed))
                listed += 1
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return listed


def _other_content_kept(path: Path, size_bytes: int | None) -> bool:
    """The original at `path` is not the landed one: a re-delivery kept before it landed (an
    interrupted run; the next run lands it). Sizes only, to stay cheap at every run; a missing
    original stays listed, so an engine reading the folder fails on it rather than skip it."""
    try:
        return size_bytes is not None and path.stat().st_size != size_bytes
    except FileNotFoundError:
        return False
