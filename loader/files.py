"""Data Access file names: what they mean and where the original is kept locally.

A name looks like `WebSession.<scopeStartMs>.<scopeEndMs>.part-NNNNN-N.gz`. Some listings give
`@name` without the `.gz` that `@href` has; the identity of a file is its name with `.gz`.
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
NAME_PATTERN = re.compile(
    r"^(?P<prefix>[A-Za-z]+)\.(?P<start>\d{10,16})\.(?P<end>\d{10,16})\.(?P<part>[A-Za-z0-9_-]+)$"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class FileNameError(ValueError):
    """A file name that cannot be used safely."""


@dataclass(frozen=True)
class FileName:
    """A validated Data Access file name (always ending in `.gz`)."""

    name: str
    scope_start_ms: int | None
    scope_end_ms: int | None

    @property
    def scope_start(self) -> datetime | None:
        return _from_ms(self.scope_start_ms)

    @property
    def scope_end(self) -> datetime | None:
        return _from_ms(self.scope_end_ms)

    def landing_path(self, landing_dir: Path) -> Path:
        """`LANDING_DIR/webSession/<scope date>/<name>`, always inside `landing_dir`."""
        day = self.scope_start.strftime("%Y-%m-%d") if self.scope_start else "unscoped"
        return landing_dir / DATA_TYPE / day / self.name


def _from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_file_name(raw: str) -> FileName:
    """Turn a server's `@name` (or a local file's name) into a safe, validated name.

    Only the last path component is kept (`../x` and `/etc/x` become `x`); any character
    outside letters, digits, `.`, `_` and `-` becomes `_`. Scope epochs are read when the name
    follows LivePerson's pattern and left empty otherwise (a user's own file names still land).
    """
    if raw is None or not str(raw).strip():
        raise FileNameError("empty file name")
    text = str(raw).strip()
    # Take the last component under both separators, whatever the platform.
    base = PurePosixPath(PureWindowsPath(text).name).name
    base = _UNSAFE.sub("_", base).lstrip(".")
    if not base or base in {"gz", ".gz"}:
        raise FileNameError(f"file name {text!r} has no usable base name")
    if len(base) > 200:
        raise FileNameError(f"file name {text[:60]!r}... is longer than 200 characters")
    if not base.endswith(".gz"):
        base += ".gz"
    match = NAME_PATTERN.match(base[: -len(".gz")])
    start = end = None
    if match:
        start, end = int(match["start"]), int(match["end"])
        if end < start:
            start = end = None
    return FileName(name=base, scope_start_ms=start, scope_end_ms=end)
