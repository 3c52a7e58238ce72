"""The originals in the landing folder: each kept once, and a landed one never replaced
before its successor has landed.

    LANDING_DIR/webSession/<day>/<name>         the landed original (or, while a file has
                                                never landed, its latest attempt)
    <name>.incoming-<sha12>                     a re-delivery, kept while its rows land
    <name>.replaced-<sha12>                     an earlier landed original, once its successor
                                                landed
    <name>.failed-<sha12>                       a re-delivery that failed to land
    <name>.download, .download.part, *.tmp      work in progress, removed by the next run

Engines that read the folder (Spark, through the manifest) read `<name>` only, so what they
read is always what the warehouse holds. Only `*.gz` names are originals; nothing else here
ends in `.gz`. Every placement is atomic (a temporary name, fsync, rename).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from loader.files import DATA_TYPE, FileNameError, parse_file_name
from loader.ledger import Ledger

log = logging.getLogger(__name__)

INCOMING = ".incoming-"
REPLACED = ".replaced-"
FAILED = ".failed-"
# Suffixes of work in progress: downloads (loader/client.py) and copies on their way.
LEFTOVERS = (".download", ".download.part", ".tmp")


def incoming_path(original: Path, sha256: str) -> Path:
    return original.with_name(f"{original.name}{INCOMING}{sha256[:12]}")


def failed_path(original: Path, sha256: str) -> Path:
    return original.with_name(f"{original.name}{FAILED}{sha256[:12]}")


def replaced_path(original: Path, sha256: str) -> Path:
    return original.with_name(f"{original.name}{REPLACED}{sha256[:12]}")


def place(source: Path, target: Path, *, move: bool, size: int | None = None) -> None:
    """Put `source` (its first `size` bytes, when given and shorter) at `target` atomically:
    rename it when `move` (a download of ours on the same disk), else copy it through a
    temporary name. On failure (a full disk) no temporary file is left behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    whole = size is None or size >= source.stat().st_size
    if move and whole:
        source.replace(target)
        return
    temporary = target.with_name(target.name + ".tmp")
    try:
        if whole:
            shutil.copyfile(source, temporary)
        else:
            _copy_prefix(source, temporary, size)  # type: ignore[arg-type]
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if move:
        source.unlink(missing_ok=True)


def _copy_prefix(source: Path, target: Path, size: int) -> None:
    with source.open("rb") as reader, target.open("wb") as writer:
        remaining = size
        while remaining and (chunk := reader.read(min(remaining, 1024 * 1024))):
            writer.write(chunk)
            remaining -= len(chunk)


def set_aside(original: Path, sha256: str) -> None:
    """Move an original that is not the landed content out of the way (never delete it)."""
    if original.exists():
        original.replace(replaced_path(original, sha256))


def promote(original: Path, incoming: Path, previous_sha256: str | None) -> None:
    """After a re-delivery landed: the earlier original becomes `.replaced-<sha12>` and the
    re-delivery takes its place."""
    if original.exists() and previous_sha256:
        original.replace(replaced_path(original, previous_sha256))
    incoming.replace(original)
    fsync_directory(original.parent)


def recover(landing_dir: Path, ledger: Ledger) -> None:
    """Finish what a killed run left in the landing folder (the run holds the load lock).

    A re-delivery whose rows landed before the kill takes its original's place; one whose
    rows did not is removed (the next delivery brings it again), and so are downloads and
    copies on their way.
    """
    root = landing_dir / DATA_TYPE
    if not root.is_dir():
        return
    pending: dict[Path, str] = {}
    for day in root.iterdir():
        if not day.is_dir():
            continue
        for path in day.iterdir():
            name = path.name
            if INCOMING in name:
                original, _, sha12 = name.rpartition(INCOMING)
                pending[day / original] = sha12
            elif name.endswith(LEFTOVERS):
                log.debug("removing %s, left by an interrupted run", path)
                path.unlink(missing_ok=True)
    if not pending:
        return
    names = {}
    for original in pending:
        try:
            names[original] = parse_file_name(original.name).name
        except FileNameError:
            continue
    rows = ledger.rows(list(names.values()))
    for original, sha12 in pending.items():
        incoming = original.with_name(f"{original.name}{INCOMING}{sha12}")
        row = rows.get(names.get(original, ""))
        if row is not None and row.has_rows and (row.sha256 or "").startswith(sha12):
            previous = sha256_of(original) if original.exists() else None
            log.info("%s: putting the landed re-delivery in place of its original", row.file_name)
            promote(original, incoming, previous)
        else:
            incoming.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_directory(path: Path) -> None:
    """Make a rename durable; not possible on every platform, so best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
