"""The landing manifest: which originals in the landing folder hold landed data.

DuckDB reads the landed rows from the warehouse file; an engine that reads the landing folder
itself (Spark, see the README) needs to know which originals count. The ledger knows, so at
the end of every `ingest` and `pull`, whatever happened in it, the loader writes
`LANDING_DIR/landed_files.csv` from it: one row per file whose rows are in the warehouse,
with its path relative to the landing folder, its sha256, its record count and the
`landed_at` the warehouse rows carry. A landed original is never replaced before its
successor has landed (loader/originals.py), so a failed re-delivery leaves the file listed
with its earlier content. Files that never landed (possibly corrupt) and replaced or failed
originals (`<name>.replaced-<sha12>`, `<name>.failed-<sha12>`) are not in it.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from loader.files import DATA_TYPE, FileNameError, parse_file_name
from loader.ledger import Ledger

# Not `_…` or `.…`: Spark and Hadoop skip such names as hidden, even when named explicitly.
MANIFEST_NAME = "landed_files.csv"
COLUMNS = ("file_name", "landing_path", "sha256", "record_count", "landed_at")


def manifest_path(landing_dir: Path) -> Path:
    return landing_dir / MANIFEST_NAME


def write_manifest(ledger: Ledger, landing_dir: Path) -> int:
    """Rewrite the manifest atomically from the ledger; returns the number of files in it."""
    rows = ledger.with_rows()
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
            for row in rows:
                relative = _relative_path(row.file_name)
                if _other_content_kept(landing_dir / relative, row.size_bytes):
                    continue
                landed = row.landed_at.strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[union-attr]
                writer.writerow((row.file_name, relative, row.sha256, row.record_count, landed))
                listed += 1
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return listed


def _relative_path(file_name: str) -> str:
    """Where loader/land.py keeps the original, relative and with `/`."""
    try:
        return parse_file_name(file_name).relative_path().as_posix()
    except FileNameError:
        # Landed by a loader that still took names without an hour: it kept them here.
        return f"{DATA_TYPE}/unscoped/{file_name}"


def _other_content_kept(path: Path, size_bytes: int | None) -> bool:
    """The original at `path` is not the landed one: a run was killed between landing a
    re-delivery and putting it in place (the next run does). Sizes only, to stay cheap at
    every run; a missing original stays listed, so an engine reading the folder fails on it
    rather than skip it."""
    try:
        return size_bytes is not None and path.stat().st_size != size_bytes
    except FileNotFoundError:
        return False
