"""A real local HTTP server speaking LivePerson's Data Access protocol, for tests.

It lists registered files, serves their bytes, issues OAuth2 tokens, verifies OAuth1 signatures
(oauthlib's own server side) and bearer tokens, records every request, and misbehaves on demand
from a per-path queue of scripted faults.

    with FakeDataAccess() as server:
        server.add_file("WebSession.1464778800000.1464782400000.part-00000-0.gz", b"...")
        server.inject(server.list_path, error(503), error(429, retry_after="2"))
        settings = server.settings(tmp_path)              # OAuth1 keys of this server
        ...
        assert server.requests_to(server.list_path)[0].header("Authorization")

A second instance makes a convenient "evil host": it records everything sent to it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from loader.config import Settings
from loader.files import parse_file_name

# Distinctive fake credentials: tests search logs and messages for them.
ACCOUNT_ID = "75555851"
APP_KEY = "fakeAppKeyQx7Zk3Lm9Pw2"
APP_SECRET = "fakeAppSecretR4tY8uI0oP6aS"
ACCESS_TOKEN = "fakeAccessTokenD5fG7hJ9kL1"
ACCESS_TOKEN_SECRET = "fakeTokenSecretZ3xC5vB7nM9"
CLIENT_ID = "fakeClientIdW2eR4tY6uI8"
CLIENT_SECRET = "fakeClientSecretO1pA3sD5fG7"
ALL_SECRETS = (APP_KEY, APP_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET, CLIENT_ID, CLIENT_SECRET)


@dataclass(frozen=True)
class Credentials:
    """The key pairs the server accepts (the distinctive fakes above by default)."""

    app_key: str = APP_KEY
    app_secret: str = APP_SECRET
    access_token: str = ACCESS_TOKEN
    access_token_secret: str = ACCESS_TOKEN_SECRET
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def all(self) -> tuple[str, ...]:
        return (
            self.app_key,
            self.app_secret,
            self.access_token,
            self.access_token_secret,
            self.client_id,
            self.client_secret,
        )


MAX_HANG_S = 5.0  # a hanging handler always ends, so a broken test can't hang the suite
EASTERN = ZoneInfo("America/New_York")  # LivePerson prints scope dates with a US-Eastern offset


# ---- faults --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, used for one request to its path.

    `status` set: answer with it (a LivePerson XML error body unless `body` is given) instead of
    the real answer. `status` None: serve the real answer, after `hang_s`, with the body cut
    after `drop_after` bytes or sent in slow chunks.
    """

    status: int | None = None
    message: str | None = None
    internal_code: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "application/xml"
    hang_s: float = 0.0
    drop_after: int | None = None
    chunk_delay_s: float = 0.0
    chunk_size: int = 1024
    disconnect: bool = False
    # Answer with `status`, quoting the request back (its headers and body), as some servers
    # do in errors: secrets must not show in whatever the client then prints.
    echo: bool = False


def error(
    status: int, message: str | None = None, *, code: int = 0, retry_after: str | None = None
) -> Fault:
    """A LivePerson XML error answer; `retry_after` becomes the `Retry-After` header."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Fault(status=status, message=message, internal_code=code, headers=headers)


def redirect(location: str, status: int = 302) -> Fault:
    return Fault(status=status, headers={"Location": location}, body=b"")


def raw(status: int, body: bytes, content_type: str = "text/html") -> Fault:
    """An arbitrary answer, such as a non-JSON body with status 200."""
    return Fault(status=status, body=body, content_type=content_type)


def drop_connection(after_bytes: int) -> Fault:
    """Full Content-Length, then the connection closes after `after_bytes` of the body."""
    return Fault(drop_after=after_bytes)


def hang(seconds: float) -> Fault:
    """Say nothing for `seconds` (at most MAX_HANG_S), then answer normally."""
    return Fault(hang_s=seconds)


def with_headers(**headers: str) -> Fault:
    """Serve the real answer with extra headers (names use `_` for `-`)."""
    return Fault(headers={name.replace("_", "-"): value for name, value in headers.items()})


def slow(chunk_delay_s: float, chunk_size: int = 1024) -> Fault:
    """The real body, in chunks with a pause between them."""
    return Fault(chunk_delay_s=chunk_delay_s, chunk_size=chunk_size)


def echo(status: int = 400) -> Fault:
    """Answer `status` with a JSON error quoting the whole request (headers and body)."""
    return Fault(echo=True, body=b"", headers={}, status=status)


def disconnect(after_s: float = 0.0) -> Fault:
    """Read the request, then (after `after_s`) close the connection without any answer."""
    return Fault(hang_s=after_s, disconnect=True)


# ---- recorded traffic ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    # The OAuth1 signature base string the server recomputed (None without an OAuth1 header).
    oauth_base_string: str | None
    authorized: bool

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class FakeFile:
    name: str
    data: bytes
    scope_start_ms: int
    scope_end_ms: int
    listed_name: str
    href: str


# ---- OAuth1 verification ---------------------------------------------------------------------


class _Validator(RequestValidator):
    """oauthlib's server side, knowing one key pair; nonce and timestamp replay checks relaxed,
    and any characters allowed in keys and tokens (secrets full of reserved characters)."""

    enforce_ssl = False  # the fake speaks plain http on 127.0.0.1
    dummy_client = "dummyclientkey0000000000"
    dummy_access_token = "dummyaccesstoken00000000"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self.credentials = credentials

    def check_client_key(self, client_key: str) -> bool:
        return bool(client_key)

    def check_access_token(self, request_token: str) -> bool:
        return bool(request_token)

    def check_nonce(self, nonce: str) -> bool:
        return bool(nonce)

    def validate_timestamp_and_nonce(self, *args: object, **kwargs: object) -> bool:
        return True

    def validate_client_key(self, client_key: str, request: object) -> bool:
        return client_key == self.credentials.app_key

    def get_client_secret(self, client_key: str, request: object) -> str:
        keys = self.credentials
        return keys.app_secret if client_key == keys.app_key else "dummy-secret"

    def get_access_token_secret(self, client_key: str, token: str, request: object) -> str:
        keys = self.credentials
        return keys.access_token_secret if token == keys.access_token else "dummy-token-secret"


def _verify_oauth1(
    endpoint: SignatureOnlyEndpoint,
    credentials: Credentials,
    uri: str,
    method: str,
    headers: dict[str, str],
) -> tuple[bool, str | None]:
    valid, request = endpoint.validate_request(uri, method, None, headers)
    if request is None:
        return False, None
    base_string = oauth_signature.signature_base_string(
        request.http_method,
        oauth_signature.base_string_uri(request.uri),
        oauth_signature.normalize_parameters(request.params),
    )
    return valid and request.resource_owner_key == credentials.access_token, base_string


# ---- the server --------------------------------------------------------------------------------


class FakeDataAccess:
    """The fake Data Access + Sentinel host. Attributes below switch the listing quirks."""

    def __init__(
        self,
        *,
        account_id: str = ACCOUNT_ID,
        token_ttl_s: float = 3600,
        credentials: Credentials | None = None,
    ) -> None:
        self.account_id = account_id
        self.credentials = credentials or Credentials()
        self._oauth1 = SignatureOnlyEndpoint(_Validator(self.credentials))
        self.token_ttl_s = token_ttl_s
        # Quirks of the real listing.
        self.collapse_single = True  # one file comes back as an object, not a list
        self.empty_answer = "absent"  # "absent" | "empty_list" | "no_available_files"
        self.no_files_status = 404  # status of the "No Available Files" answer
        self._lock = threading.Lock()
        self._files: dict[str, FakeFile] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._tokens: dict[str, float] = {}
        self.issued_tokens: list[str] = []
        self.requests: list[RecordedRequest] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,))
        self._thread.daemon = True

    # lifecycle
    def start(self) -> FakeDataAccess:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeDataAccess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # addresses
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def list_path(self) -> str:
        return f"/data_access_le/account/{self.account_id}/le/webSession"

    @property
    def token_path(self) -> str:
        return f"/sentinel/api/v2/account/{self.account_id}/app/token"

    def file_path(self, name: str) -> str:
        return f"{self.list_path}/{quote(name)}"

    def settings(self, tmp_path: Path, auth: str = "oauth1", **overrides: object) -> Settings:
        """Settings pointing at this server with its credentials (`auth`: oauth1 or oauth2)."""
        values: dict[str, object] = {
            "warehouse_path": tmp_path / "warehouse.duckdb",
            "landing_dir": tmp_path / "landing",
            "account_id": self.account_id,
            "data_access_url": self.url,
            "sentinel_url": self.url,
        }
        if auth == "oauth1":
            keys = self.credentials
            values.update(
                app_key=keys.app_key,
                app_secret=keys.app_secret,
                access_token=keys.access_token,
                access_token_secret=keys.access_token_secret,
            )
        elif auth == "oauth2":
            keys = self.credentials
            values.update(client_id=keys.client_id, client_secret=keys.client_secret)
        else:
            raise ValueError(f"auth must be oauth1 or oauth2, not {auth!r}")
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    # files
    def add_file(
        self,
        name: str,
        data: bytes,
        *,
        scope_start_ms: int | None = None,
        scope_end_ms: int | None = None,
        listed_name: str | None = None,
        href: str | None = None,
    ) -> str:
        """Register a file; returns its `@href`. Scope defaults to the epochs in the name.

        `listed_name` is the `@name` shown (e.g. without `.gz`); `href` overrides the `@href`
        (e.g. to point at another host). The bytes are served at `file_path(name)`.
        """
        parsed = parse_file_name(name)
        start = scope_start_ms if scope_start_ms is not None else parsed.scope_start_ms
        end = scope_end_ms if scope_end_ms is not None else parsed.scope_end_ms
        if start is None or end is None:
            raise ValueError(f"{name}: give scope_start_ms/scope_end_ms")
        link = href or self.url + self.file_path(name)
        with self._lock:
            self._files[self.file_path(name)] = FakeFile(
                name, data, start, end, listed_name or name, link
            )
        return link

    def remove_file(self, name: str) -> None:
        with self._lock:
            self._files.pop(self.file_path(name), None)

    # faults and tokens
    def inject(self, path: str, *faults: Fault, times: int = 1) -> None:
        """Queue faults for `path`: each request to it uses up the next one."""
        with self._lock:
            self._faults.setdefault(path, []).extend(list(faults) * times)

    def pending_faults(self, path: str) -> int:
        with self._lock:
            return len(self._faults.get(path, []))

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    # observations
    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == path and (method is None or r.method == method)
            ]

    @property
    def token_requests(self) -> int:
        return len(self.requests_to(self.token_path, "POST"))

    # ---- internals used by the handler ----

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            return queue.pop(0) if queue else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _authorize(self, uri: str, method: str, headers: dict[str, str]) -> tuple[bool, str | None]:
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if authorization.startswith("OAuth "):
            return _verify_oauth1(self._oauth1, self.credentials, uri, method, headers)
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
            with self._lock:
                expires = self._tokens.get(token)
            return expires is not None and time.monotonic() < expires, None
        return False, None

    def _issue_token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, object]]:
        def one(key: str) -> str | None:
            values = form.get(key)
            return values[0] if values else None

        if one("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        keys = self.credentials
        if one("client_id") != keys.client_id or one("client_secret") != keys.client_secret:
            return 401, {"error": "invalid_client", "error_description": "Bad client credentials"}
        token = "fakeJwt." + secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl_s
            self.issued_tokens.append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_s}

    def _listing(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        try:
            start = int(query["startTime"][0])
            end = int(query["endTime"][0])
        except (KeyError, ValueError, IndexError):
            return 400, xml_error("startTime and endTime are required", 2), "application/xml"
        with self._lock:
            files = sorted(
                (f for f in self._files.values() if start <= f.scope_start_ms < end),
                key=lambda f: (f.scope_start_ms, f.name),
            )
        if not files and self.empty_answer == "no_available_files":
            return self.no_files_status, xml_error("No Available Files", 0), "application/xml"
        container: dict[str, object] = {
            "@id": self.account_id,
            "link": {"@href": self.url + self.list_path, "@rel": "self"},
        }
        entries = [
            {
                "@name": f.listed_name,
                "@scopeStartDate": _eastern(f.scope_start_ms),
                "@scopeEndDate": _eastern(f.scope_end_ms),
                "@href": f.href,
            }
            for f in files
        ]
        if len(entries) == 1 and self.collapse_single:
            container["file"] = entries[0]
        elif entries or self.empty_answer == "empty_list":
            container["file"] = entries
        body = json.dumps({"dataAccessFiles": container}).encode()
        return 200, body, "application/json"

    def _file(self, path: str) -> FakeFile | None:
        with self._lock:
            return self._files.get(path)


def xml_error(message: str, code: int) -> bytes:
    """LivePerson's error body, which it sends even from JSON endpoints."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<error><time>{int(time.time() * 1000)}</time><message>{escape(message)}</message>"
        f"<internalCode>{code}</internalCode></error>"
    ).encode()


def _eastern(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(EASTERN).isoformat()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging handler must not hold up stop()
    fake: FakeDataAccess

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up on hangs and drops are expected; keep test output clean.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        is_token = method == "POST" and path == fake.token_path
        authorized, base_string = (
            (True, None)
            if is_token
            else fake._authorize(f"http://{self.headers.get('Host')}{self.path}", method, headers)
        )
        fake._record(RecordedRequest(method, path, query, headers, body, base_string, authorized))

        fault = fake._next_fault(path) or Fault()
        if fault.hang_s:
            time.sleep(min(fault.hang_s, MAX_HANG_S))
        if fault.disconnect:
            self.close_connection = True
            return
        if fault.echo:
            quoted = {
                "error": "invalid_request",
                "error_description": f"rejected {method} {self.path} with headers "
                f"{headers} and body {body.decode(errors='replace')}",
            }
            self._send(fault.status or 400, json.dumps(quoted).encode(), "application/json")
            return
        if fault.status is not None:
            payload = fault.body
            if payload is None:
                payload = xml_error(
                    fault.message or self.responses.get(fault.status, ("",))[0], fault.internal_code
                )
            self._send(fault.status, payload, fault.content_type, fault.headers)
            return

        if is_token:
            status, answer = fake._issue_token(parse_qs(body.decode()))
            self._send(status, json.dumps(answer).encode(), "application/json", fault=fault)
            return
        if method != "GET":
            self._send(405, xml_error("Method not allowed", 1), "application/xml")
            return
        if not authorized:
            self._send(401, xml_error("Unauthorized request", 10), "application/xml")
            return
        if path == fake.list_path:
            status, payload, content_type = fake._listing(query)
            self._send(status, payload, content_type, fault.headers, fault=fault)
            return
        served = fake._file(path)
        if served is None:
            self._send(404, xml_error("File not found", 4), "application/xml")
            return
        self._send(200, served.data, "application/octet-stream", fault.headers, fault=fault)

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        fault: Fault | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if fault is not None and fault.drop_after is not None:
                self.wfile.write(payload[: fault.drop_after])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault is not None and fault.chunk_delay_s:
                for offset in range(0, len(payload), fault.chunk_size):
                    self.wfile.write(payload[offset : offset + fault.chunk_size])
                    self.wfile.flush()
                    time.sleep(fault.chunk_delay_s)
                return
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
