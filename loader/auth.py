"""Authentication for the Data Access API: OAuth1 request signing or OAuth2 client credentials.

Both are `requests.auth.AuthBase` objects, so the client never handles a secret itself. Neither
object's repr() shows a secret or a token, and the libraries that would log them are kept quiet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import quote

import requests
from requests.auth import AuthBase
from requests_oauthlib import OAuth1

from loader.config import OAUTH1_VARS, ConfigError, Settings

TOKEN_PATH = "/sentinel/api/v2/account/{account_id}/app/token"  # noqa: S105 (a path, not a secret)
# A token is renewed this long before it expires (capped at a tenth of its lifetime), so a
# request signed just before expiry doesn't arrive with a dead token.
TOKEN_RENEW_EARLY_S = 60.0
# Used when the token answer has no expires_in: short, so a token is never kept too long.
DEFAULT_TOKEN_LIFETIME_S = 300.0

OAUTH2_HINT = (
    "check LP_CLIENT_ID and LP_CLIENT_SECRET, and that the OAuth2 app is installed on the "
    "account in LP_ACCOUNT_ID"
)

log = logging.getLogger(__name__)


def _silence_credential_loggers() -> None:
    """Keep oauthlib and requests-oauthlib above DEBUG.

    At DEBUG they log the consumer key, the access token, the signature base string and the
    signed Authorization header; a user turning on debug logging must not leak them.
    """
    for name in ("oauthlib", "requests_oauthlib"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.INFO))


_silence_credential_loggers()


class TokenRequestError(Exception):
    """The OAuth2 token could not be obtained. The message holds no secret.

    `retriable` marks answers worth retrying (429, 5xx, network failures); `retry_after` is the
    raw `Retry-After` header, `body` the start of the server's answer.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retriable: bool = False,
        retry_after: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retriable = retriable
        self.retry_after = retry_after
        self.body = body


class _NoAuth(AuthBase):
    """Stops requests from applying a session-wide auth (or ~/.netrc) to the token request."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


class OAuth1Auth(OAuth1):
    """requests-oauthlib's OAuth1 (HMAC-SHA1, signature in the header) with a secret-free repr."""

    def __repr__(self) -> str:
        return "OAuth1Auth(HMAC-SHA1, auth_header)"


class OAuth2ClientCredentials(AuthBase):
    """Bearer token from LivePerson's Sentinel client-credentials grant, fetched once and reused.

    The token is renewed shortly before `expires_in` runs out, or after `invalidate()` (the
    client calls it when the API answers 401 to a cached token). Thread-safe.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session,
        *,
        timeout: float | tuple[float, float] = (10, 30),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentials(token_url={self.token_url!r})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token()}"
        return r

    def secrets(self) -> list[str]:
        """The current token, so the client can scrub it from messages."""
        return [self._token] if self._token else []

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                started = self._clock()
                token, lifetime = self._fetch()
                self._token = token
                self._renew_at = started + lifetime - min(TOKEN_RENEW_EARLY_S, lifetime / 10)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        where = f"POST {self.token_url}"
        log.debug("requesting an OAuth2 token: %s", where)
        try:
            response = self._session.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                headers={"Accept": "application/json"},
                timeout=self._timeout,
                allow_redirects=False,  # the form carries the secret: never forward it
                auth=_NoAuth(),
            )
        except requests.RequestException as exc:
            raise TokenRequestError(
                f"{where}: {type(exc).__name__}: {exc}", retriable=True
            ) from exc
        with response:
            body = response.text[:2000]
            status = response.status_code
            if status == 200:
                return self._parse(where, response)
            if status == 429 or status >= 500:
                raise TokenRequestError(
                    f"{where}: HTTP {status}",
                    status=status,
                    retriable=True,
                    retry_after=response.headers.get("Retry-After"),
                    body=body,
                )
            hint = f"; {OAUTH2_HINT}" if status in (400, 401, 403) else ""
            raise TokenRequestError(f"{where}: HTTP {status}{hint}", status=status, body=body)

    @staticmethod
    def _parse(where: str, response: requests.Response) -> tuple[str, float]:
        try:
            answer = response.json()
        except ValueError as exc:
            raise TokenRequestError(
                f"{where}: the answer is not JSON", body=response.text[:200]
            ) from exc
        # No body in these messages: a malformed answer may still hold a token.
        try:
            token = answer["access_token"]
        except (KeyError, TypeError) as exc:
            raise TokenRequestError(f"{where}: the answer has no access_token") from exc
        if not isinstance(token, str) or not token:
            raise TokenRequestError(f"{where}: the answer has an empty access_token")
        try:
            lifetime = float(answer.get("expires_in", DEFAULT_TOKEN_LIFETIME_S))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME_S
        return token, max(lifetime, 0.0)


def _oauth1_values(settings: Settings) -> tuple[str | None, ...]:
    return (
        settings.app_key,
        settings.app_secret,
        settings.access_token,
        settings.access_token_secret,
    )


def make_auth(
    settings: Settings,
    session: requests.Session,
    *,
    timeout: float | tuple[float, float] = (10, 30),
    clock: Callable[[], float] = time.monotonic,
) -> AuthBase:
    """The auth for `settings.auth_method`; `session` is used only for OAuth2 token requests."""
    if settings.auth_method == "oauth1":
        missing = [
            name
            for name, value in zip(OAUTH1_VARS, _oauth1_values(settings), strict=True)
            if not value
        ]
        if missing:
            raise ConfigError(
                f"{missing[0]} is not set: OAuth1 needs all of {', '.join(OAUTH1_VARS)}."
            )
        return OAuth1Auth(
            settings.app_key,
            settings.app_secret,
            settings.access_token,
            settings.access_token_secret,
            signature_type="auth_header",
        )
    if settings.auth_method == "oauth2":
        if not settings.account_id:
            raise ConfigError("LP_ACCOUNT_ID is not set: the OAuth2 token is per account.")
        if not settings.client_secret:
            raise ConfigError("LP_CLIENT_SECRET is not set: OAuth2 needs LP_CLIENT_ID and it.")
        path = TOKEN_PATH.format(account_id=quote(settings.account_id, safe=""))
        return OAuth2ClientCredentials(
            settings.sentinel_url.rstrip("/") + path,
            settings.client_id,
            settings.client_secret,
            session,
            timeout=timeout,
            clock=clock,
        )
    raise ConfigError(
        "No LivePerson credentials are set: configure LP_APP_KEY, LP_APP_SECRET, "
        "LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET (OAuth1) or LP_CLIENT_ID and "
        "LP_CLIENT_SECRET (OAuth2)."
    )
