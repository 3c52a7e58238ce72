"""HTTP client for LivePerson's Data Access API: list web-session files and download them.

One `requests.Session` with a User-Agent, the configured auth, a timeout on every socket read
and, over each whole request, a deadline and a minimum transfer rate (loader/deadlines.py).
Errors are classified the way LivePerson advises: 429, 5xx, dropped connections, timeouts and
missed deadlines are retried with growing pauses (honouring `Retry-After`); any other 4xx fails
at once with the server's own message. Credentials are only ever sent to the configured Data
Access origin and to LivePerson's `https://*.da.liveperson.net` shard hosts; redirects are
followed by hand, re-signed, and only to those origins. A link's query values (a signed link's
token) are never shown or stored: they are hidden in every message and log line.
"""

from __future__ import annotations

import email.utils
import html
import http.client
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path, PurePosixPath
from typing import TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import requests
import tenacity
import urllib3
from urllib3.util import parse_url

from loader import __version__
from loader.auth import OAuth2ClientCredentials, TokenRequestError, make_auth
from loader.config import ConfigError, Settings
from loader.deadlines import Watchdog, current_watch, mount
from loader.files import FileName, FileNameError, parse_file_name
from loader.originals import fsync_directory
from loader.redact import REDACTOR

USER_AGENT = f"liveperson-warehouse-loader/{__version__} python-requests/{requests.__version__}"

NO_FILES_MARKER = "No Available Files"
MAX_WINDOW_MS = 24 * 60 * 60 * 1000  # larger list windows are known to time out
MAX_REDIRECTS = 5
CHUNK_BYTES = 1024 * 1024
ERROR_BODY_BYTES = 64 * 1024
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 60.0
RETRY_AFTER_MAX_S = 600.0  # a server asking for longer is treated as asking for this
SHARD_SUFFIX = ".da.liveperson.net"  # LivePerson's shard hosts, trusted over https:443 only
_HOST_LABEL = re.compile(r"[a-z0-9-]{1,63}")
# Query parameters shown in messages: the list's window. Any other value (a signed link's
# token, whatever its name) is shown as ***.
_SHOWN_PARAMS = {"startTime", "endTime"}
# How long, at least, a body must keep below the minimum rate before it is abandoned.
RATE_WINDOW_S = 30.0
_XML_MESSAGE = re.compile(r"<message>(.*?)</message>", re.IGNORECASE | re.DOTALL)
_XML_CODE = re.compile(r"<internalCode>\s*([^<]*?)\s*</internalCode>", re.IGNORECASE)

log = logging.getLogger(__name__)
T = TypeVar("T")


class DataAccessError(Exception):
    """A Data Access request failed. The message names the request and never holds a secret."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body  # the start of the server's error body, when there was one


class AuthError(DataAccessError):
    """401/403, or the OAuth2 token could not be obtained: the credentials need attention."""


class NotFound(DataAccessError):
    """404: the file or endpoint does not exist (files are deleted 30 days after creation)."""


class UnsafeURLError(DataAccessError):
    """A URL outside the trusted LivePerson origins: nothing was sent there."""


class TransientError(DataAccessError):
    """429, 5xx, a dropped connection or a timeout: retried, raised once retries run out."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RemoteFile:
    """One entry of a file listing; `name` is None when the listed name is unusable, and
    `problem` then says why (the entry is refused, the others still land)."""

    name: FileName | None
    href: str
    scope_start_date: str | None
    scope_end_date: str | None
    problem: str | None = None
    listed_name: str = ""


Origin = tuple[str, str, int]


def _origin(url: str) -> Origin:
    """(scheme, host, port) as urllib3, which opens the connection, understands the URL."""
    parts = parse_url(url)
    scheme = (parts.scheme or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, (parts.host or "").lower(), parts.port or default_port


def _is_shard_host(host: str) -> bool:
    if not host.endswith(SHARD_SUFFIX):
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in host[: -len(SHARD_SUFFIX)].split("."))


def _show_origin(origin: Origin) -> str:
    return f"{origin[0]}://{origin[1]}:{origin[2]}"


def display_url(url: str) -> str:
    """The URL for a message or the ledger: no user info, no fragment, and every query value
    but the list window's hidden."""
    parts = urlsplit(url)
    _user, at, host = parts.netloc.rpartition("@")
    netloc = f"***@{host}" if at else host
    query = urlencode(
        [
            (key, value if key in _SHOWN_PARAMS else "***")
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def hide_link_secrets(url: str) -> None:
    """Register a link's query values and password with the redactor, so that no log line
    (urllib3 logs request lines at debug level) or message shows them."""
    parts = urlsplit(url)
    values = [value for key, value in parse_qsl(parts.query) if key not in _SHOWN_PARAMS]
    REDACTOR.add(*values, parts.password)


def server_message(body: str, reason: str = "") -> str:
    """The server's explanation: LivePerson's XML `<message>`/`<internalCode>`, a JSON error,
    or the start of the body."""
    found = _XML_MESSAGE.search(body)
    if found:
        message = html.unescape(found.group(1)).strip()
        code = _XML_CODE.search(body)
        return f"{message} (internalCode {code.group(1)})" if code else message
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for key in ("message", "error_description", "error", "errorMessage"):
            if isinstance(answer.get(key), str) and answer[key]:
                return answer[key][:300]
    snippet = " ".join(body.split())[:200]
    return snippet or reason or "no message"


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_S)


def parse_listing(text: str, url: str) -> list[RemoteFile]:
    """The files of a list answer. `file` may be an array, one object, or absent."""
    where = f"GET {display_url(url)}"
    snippet = " ".join(text.split())[:200]
    try:
        document = json.loads(text)
    except ValueError:
        if NO_FILES_MARKER in text:
            return []
        raise DataAccessError(f"{where}: expected a JSON file list, got: {snippet!r}") from None
    if not isinstance(document, dict) or "dataAccessFiles" not in document:
        raise DataAccessError(f"{where}: the answer has no 'dataAccessFiles': {snippet!r}")
    container = document["dataAccessFiles"]
    if container in (None, ""):
        return []
    if not isinstance(container, dict):
        raise DataAccessError(f"{where}: 'dataAccessFiles' is not an object: {snippet!r}")
    entries = container.get("file")
    if entries is None:
        entries = []
    elif isinstance(entries, dict):
        entries = [entries]  # the XML-to-JSON converter collapses one-element lists
    elif not isinstance(entries, list):
        raise DataAccessError(f"{where}: 'file' is neither a list nor an object: {snippet!r}")
    return [_remote_file(entry, url, where) for entry in entries]


def _remote_file(entry: object, url: str, where: str) -> RemoteFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("@href"), str):
        raise DataAccessError(
            f"{where}: a file entry has no '@href': {REDACTOR.scrub(str(entry)[:200])!r}"
        )
    href = urljoin(url, entry["@href"].strip())
    hide_link_secrets(href)
    raw_name = str(entry.get("@name") or PurePosixPath(unquote(urlsplit(href).path)).name)
    name, problem = None, None
    try:
        name = parse_file_name(raw_name, listed=True)
    except FileNameError as exc:
        problem = f"{where}: a listed file is not landed: {exc}"
    return RemoteFile(
        name=name,
        href=href,
        scope_start_date=entry.get("@scopeStartDate"),
        scope_end_date=entry.get("@scopeEndDate"),
        problem=problem,
        listed_name=raw_name,
    )


class DataAccessClient:
    """List and download Data Access files for `settings.account_id`.

    `sleep` and `clock` are injectable so tests run retries and token expiry without waiting.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float | tuple[float, float] = (10, 120),
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rate_window_s: float = RATE_WINDOW_S,
    ) -> None:
        if not settings.account_id:
            raise ConfigError("LP_ACCOUNT_ID is not set: pulling needs the LivePerson account id.")
        self._settings = settings
        self._timeout = timeout
        self._max_retries = max_retries
        self._sleep = sleep
        REDACTOR.add(*settings.secrets())
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        mount(self._session)
        self._watchdog = Watchdog(
            settings.request_deadline_s, settings.min_transfer_bytes_per_s, rate_window_s
        )
        self._auth = make_auth(settings, self._session, timeout=timeout, clock=clock)
        self._trusted = {_origin(settings.data_access_url)}

    def close(self) -> None:
        self._watchdog.close()
        self._session.close()

    def __enter__(self) -> DataAccessClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DataAccessClient({self._settings.data_access_url!r}, auth={self._auth!r})"

    # ---- public API ---------------------------------------------------------------------

    def list_files(self, start_ms: int, end_ms: int) -> list[RemoteFile]:
        """Files whose scope starts in the window; the window must be at most one day."""
        if not 0 < end_ms - start_ms <= MAX_WINDOW_MS:
            raise ValueError(
                f"list window must be longer than 0 and at most one day, "
                f"not {start_ms}..{end_ms}: split it"
            )
        url = self._settings.web_session_list_url
        params = {"startTime": str(start_ms), "endTime": str(end_ms)}

        def attempt() -> list[RemoteFile]:
            try:
                response = self._request("GET", url, params)
            except DataAccessError as exc:
                # An empty window comes back as an error (status unknown): not worth a retry.
                if NO_FILES_MARKER in exc.body:
                    return []
                raise
            with response:
                text = self._read_body(response, "GET", url)
                return parse_listing(text, response.url)

        where = f"GET {display_url(url)}?{urlencode(params)}"
        return self._with_retries(self._guarded(where, attempt))

    def download(
        self, remote: RemoteFile, dest: Path, *, progress: Callable[[int], None] | None = None
    ) -> None:
        """Stream `remote` to `dest` through `dest.part`, fsynced, then renamed into place.

        `progress(n)` is called with each chunk's size; after a failed attempt it is called
        with minus the bytes already reported, so a progress bar rewinds before the retry.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        self._check_trusted("GET", remote.href)  # refuse before anything is sent
        dest.parent.mkdir(parents=True, exist_ok=True)

        def attempt() -> None:
            written = 0
            try:
                response = self._request("GET", remote.href)
                with response, open(part, "wb") as out:
                    expected = _expected_length(response)
                    for chunk in self._body_chunks(response, "GET", remote.href, as_sent=True):
                        out.write(chunk)
                        written += len(chunk)
                        if progress:
                            progress(len(chunk))
                    if expected is not None and written != expected:
                        raise TransientError(
                            f"GET {display_url(remote.href)}: body ended after {written} of "
                            f"{expected} bytes"
                        )
                    out.flush()
                    os.fsync(out.fileno())
            except BaseException:
                if progress and written:
                    progress(-written)
                raise

        try:
            self._with_retries(self._guarded(f"GET {display_url(remote.href)}", attempt))
            os.replace(part, dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        fsync_directory(dest.parent)

    # ---- deadlines and retries ------------------------------------------------------------

    def _guarded(self, where: str, attempt: Callable[[], T]) -> Callable[[], T]:
        """`attempt` under the request deadline and minimum rate: when the watchdog cut it
        short, a TransientError saying which limit (retried like a timeout)."""

        def guarded() -> T:
            with self._watchdog.watch() as watch:
                try:
                    result = attempt()
                except (DataAccessError, requests.RequestException, OSError) as exc:
                    if watch.reason is None:
                        raise
                    raise TransientError(f"{where}: {watch.reason}") from exc
                if watch.reason is not None:
                    # A body without a declared length can end "cleanly" when cut short.
                    raise TransientError(f"{where}: {watch.reason}")
                return result

        return guarded

    # ---- retries --------------------------------------------------------------------------

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_retries + 1),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(TransientError),
            sleep=self._sleep,
            before_sleep=self._log_retry,
        )
        try:
            return retrying(attempt)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            attempts = exc.last_attempt.attempt_number
            raise self._scrub(
                TransientError(
                    f"{last} (gave up after {attempts} attempts)",
                    status=getattr(last, "status", None),
                    body=getattr(last, "body", ""),
                )
            ) from last
        except DataAccessError as exc:
            self._scrub(exc)
            raise

    @staticmethod
    def _wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        backoff = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (state.attempt_number - 1))
        retry_after = getattr(error, "retry_after", None)
        if getattr(error, "status", None) == 429:
            # LivePerson's advice: never less than a second after a 429.
            return max(1.0, retry_after if retry_after is not None else backoff)
        return backoff if retry_after is None else retry_after

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s; retry %d of %d in %.1f s",
            self._redact(str(error)),
            state.attempt_number,
            self._max_retries,
            wait,
        )

    # ---- one request ----------------------------------------------------------------------

    def _request(
        self, method: str, url: str, params: dict[str, str] | None = None
    ) -> requests.Response:
        """The final 2xx response (streaming: the caller closes it), or a classified error."""
        response = self._open(method, url, params)
        if response.status_code == 401 and isinstance(self._auth, OAuth2ClientCredentials):
            # A cached token may have been revoked or expired early: fetch a new one, once.
            response.close()
            self._auth.invalidate()
            response = self._open(method, url, params)
        if 200 <= response.status_code < 300:
            return response
        with response:
            body = _read_prefix(response, ERROR_BODY_BYTES)
        raise self._classify(method, response, body)

    def _open(self, method: str, url: str, params: dict[str, str] | None) -> requests.Response:
        """Send, following redirects by hand: only to trusted origins, each hop re-signed."""
        current, current_params = url, params
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_trusted(method, current)
            prepared = self._prepare(method, current, current_params)
            self._check_trusted(method, prepared.url)  # exactly what goes on the wire
            where = f"{method} {display_url(prepared.url)}"
            log.debug("%s", where)
            settings = self._session.merge_environment_settings(prepared.url, {}, True, None, None)
            try:
                response = self._session.send(
                    prepared, allow_redirects=False, timeout=self._timeout, **settings
                )
            except requests.Timeout as exc:
                raise TransientError(f"{where}: timed out ({type(exc).__name__})") from exc
            except requests.ConnectionError as exc:
                raise TransientError(f"{where}: connection failed: {exc}") from exc
            except requests.RequestException as exc:
                raise DataAccessError(f"{where}: {type(exc).__name__}: {exc}") from exc
            location = self._session.get_redirect_target(response)
            if location is None:
                return response
            response.close()
            target = urljoin(prepared.url, location)
            try:
                self._check_trusted(method, target)
            except UnsafeURLError as exc:
                raise UnsafeURLError(
                    f"{where}: redirected ({response.status_code}) to {display_url(target)}; {exc}"
                ) from None
            log.debug("%s: following redirect to %s", where, display_url(target))
            current, current_params = target, None
        raise DataAccessError(f"{method} {display_url(url)}: more than {MAX_REDIRECTS} redirects")

    def _prepare(
        self, method: str, url: str, params: dict[str, str] | None
    ) -> requests.PreparedRequest:
        request = requests.Request(method, url, params=params, auth=self._auth)
        try:
            return self._session.prepare_request(request)
        except TokenRequestError as exc:
            message = f"{exc} (server said: {server_message(exc.body)})" if exc.body else str(exc)
            if exc.retriable:
                raise TransientError(
                    message, status=exc.status, retry_after=parse_retry_after(exc.retry_after)
                ) from exc
            raise AuthError(message, status=exc.status) from exc
        except requests.RequestException as exc:
            raise DataAccessError(
                f"{method} {display_url(url)}: {type(exc).__name__}: {exc}"
            ) from exc

    def _check_trusted(self, method: str, url: str) -> None:
        try:
            origin = _origin(url)
            has_user_info = parse_url(url).auth is not None
        except (ValueError, urllib3.exceptions.LocationParseError):
            raise UnsafeURLError(
                f"refusing to send credentials to an unparsable URL ({method})"
            ) from None
        scheme, host, port = origin
        if has_user_info:
            raise UnsafeURLError(
                f"refusing to send credentials along a link that carries a user name or "
                f"password ({method} {display_url(url)}): LivePerson's links never do, so it "
                "is not followed"
            )
        if origin in self._trusted or (scheme == "https" and port == 443 and _is_shard_host(host)):
            return
        trusted = ", ".join(_show_origin(o) for o in sorted(self._trusted))
        raise UnsafeURLError(
            f"refusing to send credentials to {_show_origin(origin)} ({method} "
            f"{display_url(url)}): only {trusted} and https://*.da.liveperson.net are trusted"
        )

    def _classify(self, method: str, response: requests.Response, body: str) -> DataAccessError:
        status = response.status_code
        where = f"{method} {display_url(response.url)}"
        detail = f"{where}: HTTP {status} {server_message(body, response.reason or '')}"
        if status in (401, 403):
            return AuthError(f"{detail}. {self._credential_hint()}", status=status, body=body)
        if status == 404:
            return NotFound(detail, status=status, body=body)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return TransientError(detail, status=status, body=body, retry_after=retry_after)
        if 300 <= status < 400:
            detail += " (a redirect without a usable Location)"
        return DataAccessError(detail, status=status, body=body)

    def _credential_hint(self) -> str:
        account = f"LP_ACCOUNT_ID={self._settings.account_id}"
        if self._settings.auth_method == "oauth1":
            return (
                "Check LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET "
                "(LivePerson retired OAuth1 API keys on 2026-05-31: after that date use OAuth2, "
                f"LP_CLIENT_ID and LP_CLIENT_SECRET), and that the app has the Data Access "
                f"permission for {account}."
            )
        return (
            "Check LP_CLIENT_ID and LP_CLIENT_SECRET, and that the app has the Data Access "
            f"permission for {account}."
        )

    def _body_chunks(
        self, response: requests.Response, method: str, url: str, *, as_sent: bool = False
    ) -> Iterator[bytes]:
        """The body in chunks; a connection lost on the way is a TransientError.

        `as_sent` keeps the bytes exactly as they came, ignoring any Content-Encoding: a
        `.gz` data file served with `Content-Encoding: gzip` (a common storage setting) is
        still the gzip file, and Content-Length counts those bytes.
        """
        where = f"{method} {display_url(url)}"
        watch = current_watch()
        try:
            # read1: whatever has arrived, at once, so the watch sees a slow body progress.
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=not as_sent):
                if watch is not None:
                    watch.received(len(chunk))
                yield chunk
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.ConnectionError,
            requests.Timeout,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.ReadTimeoutError,
            http.client.IncompleteRead,
        ) as exc:
            raise TransientError(f"{where}: connection lost while reading the body: {exc}") from exc
        except requests.RequestException as exc:
            raise DataAccessError(f"{where}: {type(exc).__name__}: {exc}") from exc

    def _read_body(self, response: requests.Response, method: str, url: str) -> str:
        data = b"".join(self._body_chunks(response, method, url))
        return data.decode(response.encoding or "utf-8", errors="replace")

    # ---- secrets ---------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        if isinstance(self._auth, OAuth2ClientCredentials):
            REDACTOR.add(*self._auth.secrets())
        return REDACTOR.scrub(text)

    def _scrub(self, error: DataAccessError) -> DataAccessError:
        """Last line of defence: no configured secret or live token in any message."""
        error.args = tuple(self._redact(str(arg)) for arg in error.args)
        error.body = self._redact(error.body)
        return error


def _expected_length(response: requests.Response) -> int | None:
    """Content-Length, when it counts the bytes we receive (no content coding)."""
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _read_prefix(response: requests.Response, limit: int) -> str:
    """At most `limit` bytes of an error body, whatever goes wrong while reading it."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(8192):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        pass
    return b"".join(chunks)[:limit].decode("utf-8", errors="replace")
