"""Data Access file names: a file's identity, its hour, and where its original is kept.

A name is `WebSession.<scopeStartMs>.<scopeEndMs>.<part>.gz`, such as
`WebSession.1464778800000.1464782400000.part-00044-0.gz`. The name is the file's identity in
the ledger and its name in the landing folder, unchanged: only names of that form are
accepted, so two different names never land as one, and every landed file has an hour. Some
listings give `@name` without the `.gz` that `@href` has; that is the same file.

Names come from a server or from a user's disk, so nothing in them is trusted as a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

# The one place that knows the data type's path segment and file-name pattern.
DATA_TYPE = "webSession"
FILE_PREFIX = "WebSession"
SUFFIX = ".gz"
EXPECTED = f"{FILE_PREFIX}.<start ms>.<end ms>.<part>{SUFFIX}"
NAME_PATTERN = re.compile(
    rf"^{FILE_PREFIX}\.(?P<start>[0-9]+)\.(?P<end>[0-9]+)\.(?P<part>[A-Za-z0-9_-]+)$"
)
MAX_NAME_LENGTH = 200
# A plausible scope: epoch milliseconds from 2000 to 2100 (a 10-digit epoch in seconds, or a
# 16-digit one in microseconds, falls outside), and a span of at most a day.
EARLIEST_MS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)
LATEST_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)
MAX_SCOPE_MS = 24 * 3_600_000


class FileNameError(ValueError):
    """A name that is not a Data Access file name; the message says why."""


@dataclass(frozen=True)
class FileName:
    """A validated Data Access file name (always ending in `.gz`) and the hour it covers."""

    name: str
    scope_start_ms: int
    scope_end_ms: int

    @property
    def scope_start(self) -> datetime:
        return datetime.fromtimestamp(self.scope_start_ms / 1000, tz=UTC)

    @property
    def scope_end(self) -> datetime:
        return datetime.fromtimestamp(self.scope_end_ms / 1000, tz=UTC)

    def landing_path(self, landing_dir: Path) -> Path:
        """`LANDING_DIR/webSession/<scope date>/<name>`, always inside `landing_dir`."""
        return landing_dir / self.relative_path()

    def relative_path(self) -> PurePosixPath:
        return PurePosixPath(DATA_TYPE, self.scope_start.strftime("%Y-%m-%d"), self.name)


def base_name(raw: str) -> str:
    """The last path component under both separators, whatever the platform."""
    return PurePosixPath(PureWindowsPath(raw).name).name


def parse_file_name(raw: str, *, listed: bool = False) -> FileName:
    """Validate a file name; raise FileNameError saying what is wrong with it.

    `listed`: a server's `@name`, whose path components are dropped (`../x` is `x`) and which
    may lack `.gz`. A local file's name must be the whole name, `.gz` included.
    """
    text = "" if raw is None else str(raw)
    if listed:
        text = base_name(text.strip())
        if text and not text.endswith(SUFFIX):
            text += SUFFIX
    shown = text if len(text) <= 80 else text[:77] + "..."
    if not text:
        raise FileNameError("the file name is empty")
    if len(text) > MAX_NAME_LENGTH:
        raise FileNameError(f"{shown!r} is longer than {MAX_NAME_LENGTH} characters")
    stem = text.removesuffix(SUFFIX)
    if stem == text:
        hint = (
            f": rename it to {text[:-3]}{SUFFIX} to land it"
            if text.lower().endswith(SUFFIX)
            else ""
        )
        raise FileNameError(f"{shown!r} does not end in {SUFFIX}{hint}")
    match = NAME_PATTERN.match(stem)
    if match is None:
        raise FileNameError(
            f"{shown!r} is not named like a Data Access file ({EXPECTED}), so the hour it "
            "covers is unknown"
        )
    start, end = int(match["start"]), int(match["end"])
    for label, value in (("start", start), ("end", end)):
        if not EARLIEST_MS <= value < LATEST_MS:
            raise FileNameError(
                f"{shown!r}: its {label} {value} is not a time from 2000 to 2100 in epoch "
                "milliseconds (13 digits)"
            )
    if not 0 < end - start <= MAX_SCOPE_MS:
        raise FileNameError(
            f"{shown!r}: its end {end} is not after its start {start} by at most a day"
        )
    return FileName(name=text, scope_start_ms=start, scope_end_ms=end)
