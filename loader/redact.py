"""Secrets scrubbed from every text the loader shows or keeps, in every encoding.

A library prints a secret the way it sent it: raw, percent-encoded in a URL or an OAuth1
header (upper- or lower-case hex, `/` kept or not), form-encoded (`+` for a space), escaped
in JSON or a repr, or base64-encoded with the client id in a Basic header. The redactor knows
each configured secret (and each token or signed link the run receives) in all those forms,
and also hides the value of any Authorization header it sees.

One redactor serves the process (`REDACTOR`): the command line registers the configured
secrets, the HTTP client the tokens and link query values it meets, and every log record,
error message, summary line and ledger error passes through `scrub`.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import logging
import re
import threading
import traceback
from urllib.parse import quote, quote_plus

MASK = "***"
# Shorter values would mask ordinary words and numbers.
MIN_LENGTH = 4
# Any Authorization value, whatever it encodes: `Basic <b64>`, `Bearer <token>`, and an OAuth1
# header's key, token and signature.
_AUTH_VALUES = re.compile(
    r"(?i)(\b(?:basic|bearer)\s+)[A-Za-z0-9._~+/=-]{4,}"
    r'|(\boauth_(?:consumer_key|token|signature)=")[^"]*'
)
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def encodings(secret: str) -> set[str]:
    """`secret` as a library might print it."""
    forms = {secret}
    for safe in ("", "/", "~", "-._~"):
        forms.add(quote(secret, safe=safe))
    forms.add(quote_plus(secret))
    forms.add(quote_plus(secret, safe="/"))
    forms |= {_PERCENT.sub(lambda m: m.group().lower(), form) for form in list(forms)}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(repr(secret)[1:-1])
    forms.add(html.escape(secret))
    forms |= _base64(secret)
    return {form for form in forms if len(form) >= MIN_LENGTH}


def _base64(text: str) -> set[str]:
    raw = text.encode()
    forms = set()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        value = encoded.decode()
        forms |= {value, value.rstrip("=")}
    return forms


class Redactor:
    """Secret values, and a pattern matching any of their encodings. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pairs: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *secrets: str | None) -> None:
        """Register values to hide (short and empty ones are ignored)."""
        new = {s for s in secrets if s and len(s) >= MIN_LENGTH} - self._secrets
        if not new:
            return
        with self._lock:
            self._secrets |= new
            forms: set[str] = set()
            for secret in self._secrets:
                forms |= encodings(secret)
            # A Basic header is base64 of `id:secret`: every pair of known values.
            for first, second in itertools.permutations(sorted(self._secrets), 2):
                forms |= _base64(f"{first}:{second}")
            ordered = sorted(forms, key=len, reverse=True)  # longest first: no partial mask
            self._pattern = re.compile("|".join(re.escape(form) for form in ordered))

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._pattern = None

    def scrub(self, text: object) -> str:
        """`text` with every known secret, in any encoding, and any header credential masked."""
        result = str(text)
        pattern = self._pattern
        if pattern is not None:
            result = pattern.sub(MASK, result)
        return _AUTH_VALUES.sub(lambda m: (m.group(1) or m.group(2)) + MASK, result)


REDACTOR = Redactor()


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, arguments, traceback) is scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        return REDACTOR.scrub(super().format(record))


def _scrubbing_factory(factory):  # type: ignore[no-untyped-def]
    def make(*args, **kwargs):  # type: ignore[no-untyped-def]
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the logger's to report, not ours
            return record
        record.msg, record.args = REDACTOR.scrub(message), None
        if record.exc_info:
            # The traceback's text, scrubbed, in place of the exception itself.
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text, record.exc_info = REDACTOR.scrub(text), None
        if record.stack_info:
            record.stack_info = REDACTOR.scrub(record.stack_info)
        return record

    make.scrubs = True  # type: ignore[attr-defined]
    return make


def scrub_log_records() -> None:
    """Scrub every log record as it is made, so any handler (a log file too) gets it clean."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "scrubs", False):
        logging.setLogRecordFactory(_scrubbing_factory(factory))
