"""What the loader checks in a file before DuckDB reads it, and how it explains a refusal.

`inspect` reads a file once: its SHA-256 (its content's identity), and its whole gzip stream
decompressed without being kept (DuckDB does not check the CRC, and lands a file cut at a line
boundary silently short): a truncated file, a CRC error, data after the end that is not
gzip, or a decompression bomb (checked as the bytes come, never held) is a `FileProblem`.
Zero bytes after the last member are padding, as `gzip -t` accepts them; they are not part of
the file's identity (its SHA-256), and the original is kept without them.

`explain` runs only after DuckDB refused a file: it finds the line a user should look at
(too big, not JSON, not a Data Access record), with DuckDB's own JSON functions, so it judges
a line as the landing did, and it never raises.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class FileProblem(Exception):
    """One file cannot be landed; the message names the file and the problem."""


@dataclass(frozen=True)
class Inspection:
    sha256: str  # of the gzip data, trailing zero padding excluded
    size_bytes: int  # of the file as it came, padding included
    uncompressed_bytes: int
    # Where the gzip data ends: the size, unless zero padding follows. DuckDB's and Spark's
    # gzip readers refuse padding, so the original is kept without it.
    gzip_bytes: int

    @property
    def padded(self) -> bool:
        return self.gzip_bytes < self.size_bytes


def inspect(path: Path, name: str, max_uncompressed: int) -> Inspection:
    """Hash `path` and check its whole gzip stream in one read; raise FileProblem."""
    digest = hashlib.sha256()
    size = total = 0
    padding_at: int | None = None
    inflater = zlib.decompressobj(wbits=31)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if size == 0 and chunk[:2] != GZIP_MAGIC[: len(chunk[:2])]:
                raise FileProblem(f"{name} is not gzip (it does not start with 1f 8b)")
            start = size
            size += len(chunk)
            data = chunk
            hashed_before = padding_at
            while data:
                if padding_at is not None:
                    if data.strip(b"\0"):
                        raise FileProblem(
                            f"{name} is corrupt gzip: bytes other than zero padding follow its end"
                        )
                    break
                if inflater.eof:
                    # The member ended: another member follows, or zero padding.
                    if data[0] == 0:
                        padding_at = start + len(chunk) - len(data)
                        continue
                    inflater = zlib.decompressobj(wbits=31)
                try:
                    # Bounded output per call, so a bomb never expands in memory.
                    out = inflater.decompress(data, CHUNK)
                except zlib.error as exc:
                    raise FileProblem(f"{name} is corrupt gzip: {exc}") from exc
                total += len(out)
                if total > max_uncompressed:
                    raise FileProblem(
                        f"{name} expands beyond {max_uncompressed // (1024 * 1024)} MB "
                        "uncompressed (LP_MAX_UNCOMPRESSED_MB); rejected as a decompression bomb"
                    )
                data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            # The file's identity is its gzip data: zero padding is not hashed.
            if hashed_before is None:
                digest.update(chunk if padding_at is None else chunk[: padding_at - start])
    if size == 0:
        raise FileProblem(f"{name} is empty")
    if not inflater.eof:
        raise FileProblem(f"{name} is truncated: the gzip stream ends early")
    return Inspection(
        sha256=digest.hexdigest(),
        size_bytes=size,
        uncompressed_bytes=total,
        gzip_bytes=size if padding_at is None else padding_at,
    )


def lines(path: Path, limit: int):  # type: ignore[no-untyped-def]
    """(number, bytes of the line or None when longer than `limit`, its size), streamed:
    a line longer than `limit` is measured, never held."""
    inflater = zlib.decompressobj(wbits=31)
    number, held, size = 1, bytearray(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            data = chunk
            while data:
                if inflater.eof:
                    if not data.strip(b"\0"):
                        break
                    inflater = zlib.decompressobj(wbits=31)
                text = inflater.decompress(data, CHUNK)
                data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
                while text:
                    end = text.find(b"\n")
                    piece = text if end < 0 else text[:end]
                    size += len(piece)
                    if size <= limit:
                        held += piece
                    if end < 0:
                        break
                    yield number, (bytes(held) if size <= limit else None), size
                    number, held, size = number + 1, bytearray(), 0
                    text = text[end + 1 :]
    if size:
        yield number, (bytes(held) if size <= limit else None), size


# The landing statement's own tests (loader/warehouse.py), on one line.
_LINE_CHECK = """
select json_valid($1::varchar),
    json_valid($1::varchar) and json_exists($1::varchar, '$.recordCollection')
"""


def explain(path: Path, name: str, refusal: str, max_record_bytes: int) -> str:
    """The first line of `path` that is too big, not JSON or not a record, as a sentence
    naming the file and the line; `refusal` (DuckDB's words) when no line is to blame (a
    pretty-printed document) or the scan itself fails. Never raises."""
    try:
        found = _first_bad_line(path, name, max_record_bytes)
    except Exception:  # the explanation must not fail the run: DuckDB's words stand
        found = None
    return found or refusal


def _first_bad_line(path: Path, name: str, max_record_bytes: int) -> str | None:
    with duckdb.connect() as con:
        first = True
        for number, line, size in lines(path, max_record_bytes + 2):  # a CR, and a margin
            if line is not None:
                size = len(line.rstrip(b"\r"))
            if size > max_record_bytes:
                return too_big(name, f"line {number}", size, max_record_bytes)
            text = line.strip()
            if not text:
                continue
            if first and text in (b"{", b"["):
                return None  # pretty-printed documents: lines are not records
            first = False
            try:
                decoded = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                return (
                    f"{name}, line {number}: text is not UTF-8 ({exc.reason} at byte {exc.start})"
                )
            valid, record = con.execute(_LINE_CHECK, [decoded]).fetchone()
            if not valid:
                return f"{name}, line {number}: invalid JSON"
            if not record:
                return (
                    f"{name}, line {number}: valid JSON but not a Data Access record (not an "
                    "object with a recordCollection)"
                )
    return None


def too_big(name: str, where: str, size: int, limit: int) -> str:
    return (
        f"{name}, {where}: a record of {size:,} bytes, larger than LP_MAX_RECORD_BYTES "
        f"({limit:,} bytes)"
    )
