"""What a landing folder holds, comparable between two runs of the loader."""

from __future__ import annotations

from pathlib import Path

from loader.manifest import MANIFEST_NAME


def landing_files(landing: Path) -> dict[str, bytes]:
    """Every file's bytes by relative path; the manifest's without its landed_at column,
    which is the time of the run."""
    paths = sorted(p for p in landing.rglob("*") if p.is_file())
    files = {str(p.relative_to(landing)): p.read_bytes() for p in paths}
    if MANIFEST_NAME in files:
        rows = files[MANIFEST_NAME].decode().splitlines()
        files[MANIFEST_NAME] = "\n".join(row.rsplit(",", 1)[0] for row in rows).encode()
    return files


def originals(landing: Path) -> dict[str, bytes]:
    """The kept originals only (everything but the manifest)."""
    return {name: data for name, data in landing_files(landing).items() if name != MANIFEST_NAME}
