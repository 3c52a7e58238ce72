"""`ingest`: land local gzip files (a download, the sample) through the one landing path.

Folders are searched recursively for `*.gz` files (`*.GZ` too, which are refused with the
reason, as are dangling links: nothing in a folder is skipped without a word). A file is
landed under its own name, which must be a Data Access name (loader/files.py). Two
different files of one run with the same name cannot both be the file: if their content
differs, neither lands and both are named.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from loader import originals
from loader.config import Settings
from loader.files import FileNameError, parse_file_name
from loader.land import REFUSED, Candidate, FileResult, Lander, RunSummary, batches, land_run

log = logging.getLogger(__name__)


def ingest(settings: Settings, paths: list[Path]) -> RunSummary:
    found, refused = collect(paths)
    candidates: list[Candidate] = []
    clashes: list[tuple[Candidate, str]] = []
    by_name: dict[str, list[tuple[Path, Candidate]]] = defaultdict(list)
    for path in found:
        try:
            name = parse_file_name(path.name)
        except FileNameError as exc:
            refused.append((str(path), f"{path}: not landed: {exc}"))
            continue
        candidate = Candidate(path, name, "ingest", path.resolve().as_uri())
        by_name[name.name].append((path, candidate))
    for name, group in sorted(by_name.items()):
        if len(group) == 1:
            candidates.append(group[0][1])
            continue
        contents = {originals.sha256_of(path) for path, _ in group}
        if len(contents) == 1:
            log.info("%s is given %d times with the same content: landed once", name, len(group))
            candidates.append(group[0][1])
            continue
        shown = ", ".join(str(path) for path, _ in group)
        clashes.append(
            (
                group[0][1],
                f"{name}: {len(group)} files of this run have this name with different "
                f"content ({shown}); none was landed: land the one to keep on its own",
            )
        )

    def feed(lander: Lander) -> None:
        for shown, problem in refused:
            lander.refuse(shown, problem)
        lander.expect([c.name.name for c in candidates] + [c.name.name for c, _ in clashes])
        for candidate, problem in clashes:
            lander.fail(candidate, problem)
        for batch in batches(candidates, lambda c: _size(c.path)):
            lander.submit(batch)

    if not candidates and not clashes:
        summary = RunSummary()
        for shown, problem in refused:
            log.error("%s", problem)
            summary.add(FileResult(shown, REFUSED, error=problem))
        if not refused:
            summary.errors.append(f"no .gz files found in {', '.join(str(p) for p in paths)}")
        return summary
    return land_run(settings, "ingest", feed)


def collect(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to land, each once, in hour order; and what was refused, with the reason."""
    found: list[Path] = []
    refused: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            for inside in sorted(path.rglob("*")):
                if not inside.name.lower().endswith(".gz"):
                    continue
                if inside.is_file():
                    found.append(inside)
                elif inside.is_symlink() and not inside.exists():
                    refused.append((str(inside), _dangling(inside)))
        elif path.is_file():
            found.append(path)
        elif path.is_symlink():
            refused.append((str(path), _dangling(path)))
        else:
            refused.append((str(path), f"{path} does not exist"))
    unique: dict[Path, Path] = {}
    for path in found:  # the same file twice (a folder and a name in it, two links): once
        unique.setdefault(path.resolve(), path)
    return sorted(unique.values(), key=lambda p: (p.name, str(p))), refused


def _dangling(path: Path) -> str:
    try:
        target = path.readlink()
    except OSError:
        target = "?"
    return f"{path} is a symbolic link to {target}, which does not exist: not landed"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
