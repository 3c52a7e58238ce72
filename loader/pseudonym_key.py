"""The secret key of the warehouse's keyed hashes (HMAC-SHA256, lp_pseudonym in dbt).

It lives outside the warehouse and the repository, in LP_PSEUDONYM_KEY_FILE (default
~/.config/liveperson-warehouse/pseudonym.key), readable by its owner only, and is created on
first use: 32 random bytes. The file holds the key in the form HMAC uses it, the key XOR
ipad and the key XOR opad, one hex line each, so that the SQL that hashes needs no XOR.

Rotating the key: move the file away, run `python -m loader pseudonym-key` (or any `make`
target that builds), then `dbt build --full-refresh` so that every hash is made again with
the new key. Hashes made with the old key no longer match: tell whoever joins on them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32
# HMAC-SHA256 (RFC 2104): the key padded to SHA-256's 64-byte block, XOR 0x36 and 0x5c.
BLOCK_BYTES = 64
ENV_NAME = "LP_PSEUDONYM_KEY_FILE"


def default_key_path() -> Path:
    return Path.home() / ".config" / "liveperson-warehouse" / "pseudonym.key"


def key_path() -> Path:
    """LP_PSEUDONYM_KEY_FILE as the loader reads every setting (the environment, then
    `.env`), else the default."""
    from loader.config import environment

    configured = (environment().get(ENV_NAME) or "").strip()
    return Path(configured).expanduser() if configured else default_key_path()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(BLOCK_BYTES, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def ensure_key(path: Path | None = None) -> Path:
    """The key file, created (owner-only, atomically) when it does not exist yet."""
    path = path or key_path()
    if path.exists():
        read_pads(path)  # a damaged file fails here, with its name, not in SQL
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    inner, outer = _pads(secrets.token_bytes(KEY_BYTES))
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(inner.hex() + "\n" + outer.hex() + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(partial, path)  # never replaces a key another process just created
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)
    return path


def read_pads(path: Path | None = None) -> tuple[bytes, bytes]:
    path = path or key_path()
    lines = path.read_text(encoding="ascii").split()
    try:
        inner, outer = (bytes.fromhex(line) for line in lines)
    except ValueError:
        inner = outer = b""
    if len(inner) != BLOCK_BYTES or len(outer) != BLOCK_BYTES:
        raise ValueError(
            f"{path} is not a pseudonym key file (two lines of {BLOCK_BYTES * 2} hex "
            "digits): move it away and run `python -m loader pseudonym-key` for a new one"
        )
    return inner, outer


def pseudonym(text: str, path: Path | None = None) -> str:
    """What lp_pseudonym gives for `text`: HMAC-SHA256 as 64 hex digits (for tests and for
    a brand that hashes its own list to join on it)."""
    inner, outer = read_pads(path)
    inner_digest = hashlib.sha256(inner + text.encode("utf-8")).digest()
    return hashlib.sha256(outer + inner_digest).hexdigest()


def same_as_hmac(text: str, key: bytes) -> bool:
    """Whether the pads of `key` give the standard library's HMAC (a self-check)."""
    inner, outer = _pads(key)
    inner_digest = hashlib.sha256(inner + text.encode("utf-8")).digest()
    ours = hashlib.sha256(outer + inner_digest).hexdigest()
    return hmac.compare_digest(ours, hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
