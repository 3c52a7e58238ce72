"""Settings from the environment (and a `.env` file), validated before anything is written."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DATA_ACCESS_URL = "https://va.da.liveperson.net"
DEFAULT_SENTINEL_URL = "https://va.sentinel.liveperson.net"
DEFAULT_LOOKBACK_HOURS = 24
# Largest uncompressed size accepted for one file; real hourly parts are far smaller, so a
# file beyond this is treated as a decompression bomb and rejected.
DEFAULT_MAX_UNCOMPRESSED_MB = 4096
# Largest record (one top-level JSON value: one line of a newline-delimited file) landed. The
# dbt build reads the same variable with the same default (dbt_project.yml, var
# `max_record_bytes`): a record one accepts, the other must accept too.
DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024
# An HTTP request (a list, a token, a download) that has not finished after this long is
# abandoned and retried; so is one whose body arrives slower than the minimum rate over any
# RATE_WINDOW_S (loader/deadlines.py). Per-read timeouts alone let a server that sends a byte
# every few seconds hold a download for hours.
DEFAULT_REQUEST_DEADLINE_S = 600
DEFAULT_MIN_TRANSFER_BYTES_PER_S = 10 * 1024
# DuckDB names a database after its file's stem; these stems are its own catalogs, which it
# renames (main -> main_db) or refuses, and dbt then cannot find the database.
RESERVED_WAREHOUSE_STEMS = ("main", "system", "temp")

OAUTH1_VARS = ("LP_APP_KEY", "LP_APP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET")
OAUTH2_VARS = ("LP_CLIENT_ID", "LP_CLIENT_SECRET")


class ConfigError(Exception):
    """Bad or missing configuration: the message is one sentence naming the variable."""


@dataclass(frozen=True)
class Settings:
    warehouse_path: Path
    landing_dir: Path
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_MB * 1024 * 1024
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    request_deadline_s: float = DEFAULT_REQUEST_DEADLINE_S
    min_transfer_bytes_per_s: int = DEFAULT_MIN_TRANSFER_BYTES_PER_S
    account_id: str | None = None
    data_access_url: str = DEFAULT_DATA_ACCESS_URL
    sentinel_url: str = DEFAULT_SENTINEL_URL
    # Secrets are kept out of repr() so a logged Settings never shows them.
    app_key: str | None = field(default=None, repr=False)
    app_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_secret: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    @property
    def auth_method(self) -> str | None:
        """'oauth1', 'oauth2' or None (no credentials: pulling is impossible)."""
        if self.app_key:
            return "oauth1"
        if self.client_id:
            return "oauth2"
        return None

    @property
    def web_session_list_url(self) -> str:
        return f"{self.data_access_url}/data_access_le/account/{self.account_id}/le/webSession"

    def secrets(self) -> list[str]:
        """Every configured secret value, for redaction."""
        values = (
            self.app_key,
            self.app_secret,
            self.access_token,
            self.access_token_secret,
            self.client_id,
            self.client_secret,
        )
        return [value for value in values if value]


def default_env_file() -> Path:
    """`.env` at the repo root; LP_ENV_FILE points elsewhere (tests point it at nothing)."""
    return Path(os.environ.get("LP_ENV_FILE") or REPO_ROOT / ".env")


def environment(env_file: Path | None = None) -> dict[str, str]:
    """Process environment over the `.env` file: an exported variable always wins."""
    if env_file is None:
        env_file = default_env_file()
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return {key: value.strip() for key, value in values.items()}


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} must be an http(s) URL with a host, such as "
            f"'https://va.da.liveperson.net', not {value!r}."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be just scheme, host and port, not {value!r}.")
    if parts.username or parts.password:
        raise ConfigError(f"{name} must not carry credentials in the URL.")
    return value.rstrip("/")


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number <= 0:
        raise ConfigError(f"{name} must be a positive whole number, not {value!r}.")
    return number


def load_settings(*, need_credentials: bool = False, env_file: Path | None = None) -> Settings:
    """Read and validate the configuration.

    `need_credentials` is set by `pull`: it then requires an account id and one complete set
    of credentials, OAuth1 or OAuth2.
    """
    env = environment(env_file)

    def get(name: str) -> str | None:
        return env.get(name) or None

    warehouse, landing = _paths(env)
    if warehouse.exists() and warehouse.is_dir():
        raise ConfigError(f"WAREHOUSE_PATH points at a folder ({warehouse}), not a file.")
    if warehouse.stem.lower() in RESERVED_WAREHOUSE_STEMS:
        raise ConfigError(
            f"WAREHOUSE_PATH's file name {warehouse.name!r} cannot be used: DuckDB names a "
            f"database after its file, and {warehouse.stem!r} is one of DuckDB's own catalogs "
            f"({', '.join(RESERVED_WAREHOUSE_STEMS)}), so dbt would not find it; choose another "
            "name, such as warehouse.duckdb."
        )
    if landing.exists() and not landing.is_dir():
        raise ConfigError(f"LANDING_DIR points at a file ({landing}), not a folder.")

    lookback = _positive_int("LP_LOOKBACK_HOURS", get("LP_LOOKBACK_HOURS") or "24")
    max_mb = _positive_int(
        "LP_MAX_UNCOMPRESSED_MB", get("LP_MAX_UNCOMPRESSED_MB") or str(DEFAULT_MAX_UNCOMPRESSED_MB)
    )
    max_record = _positive_int(
        "LP_MAX_RECORD_BYTES", get("LP_MAX_RECORD_BYTES") or str(DEFAULT_MAX_RECORD_BYTES)
    )
    deadline = _positive_int(
        "LP_REQUEST_DEADLINE_S", get("LP_REQUEST_DEADLINE_S") or str(DEFAULT_REQUEST_DEADLINE_S)
    )
    min_rate = _positive_int(
        "LP_MIN_TRANSFER_BYTES_PER_S",
        get("LP_MIN_TRANSFER_BYTES_PER_S") or str(DEFAULT_MIN_TRANSFER_BYTES_PER_S),
    )

    oauth1 = {name: get(name) for name in OAUTH1_VARS}
    oauth2 = {name: get(name) for name in OAUTH2_VARS}
    if any(oauth1.values()):
        missing = [name for name, value in oauth1.items() if not value]
        if missing:
            raise ConfigError(
                f"{missing[0]} is not set: OAuth1 needs all of {', '.join(OAUTH1_VARS)}."
            )
    elif any(oauth2.values()):
        missing = [name for name, value in oauth2.items() if not value]
        if missing:
            raise ConfigError(
                f"{missing[0]} is not set: OAuth2 needs both {' and '.join(OAUTH2_VARS)}."
            )

    account_id = get("LP_ACCOUNT_ID")
    if account_id is not None and not account_id.isalnum():
        raise ConfigError(f"LP_ACCOUNT_ID must be letters and digits only, not {account_id!r}.")

    settings = Settings(
        warehouse_path=warehouse,
        landing_dir=landing,
        lookback_hours=lookback,
        max_uncompressed_bytes=max_mb * 1024 * 1024,
        max_record_bytes=max_record,
        request_deadline_s=deadline,
        min_transfer_bytes_per_s=min_rate,
        account_id=account_id,
        data_access_url=_url(
            "LP_DATA_ACCESS_URL", get("LP_DATA_ACCESS_URL") or DEFAULT_DATA_ACCESS_URL
        ),
        sentinel_url=_url("LP_SENTINEL_URL", get("LP_SENTINEL_URL") or DEFAULT_SENTINEL_URL),
        app_key=oauth1["LP_APP_KEY"],
        app_secret=oauth1["LP_APP_SECRET"],
        access_token=oauth1["LP_ACCESS_TOKEN"],
        access_token_secret=oauth1["LP_ACCESS_TOKEN_SECRET"],
        client_id=oauth2["LP_CLIENT_ID"],
        client_secret=oauth2["LP_CLIENT_SECRET"],
    )
    if need_credentials:
        if settings.auth_method is None:
            raise ConfigError(
                "No LivePerson credentials are set: configure LP_APP_KEY, LP_APP_SECRET, "
                "LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET (OAuth1) or LP_CLIENT_ID and "
                "LP_CLIENT_SECRET (OAuth2)."
            )
        if account_id is None:
            raise ConfigError("LP_ACCOUNT_ID is not set: pulling needs the LivePerson account id.")
    return settings


def _paths(env: dict[str, str]) -> tuple[Path, Path]:
    """WAREHOUSE_PATH and LANDING_DIR, with their defaults."""
    warehouse = Path(env.get("WAREHOUSE_PATH") or REPO_ROOT / "warehouse.duckdb")
    landing = Path(env.get("LANDING_DIR") or REPO_ROOT / "data" / "landing")
    return warehouse, landing


def has_credentials(env_file: Path | None = None) -> bool:
    """True when an account and any credential are configured (used by `make build`)."""
    env = environment(env_file)
    return bool(env.get("LP_ACCOUNT_ID")) and any(
        env.get(name) for name in (*OAUTH1_VARS, *OAUTH2_VARS)
    )


PATH_SETTINGS = ("WAREHOUSE_PATH", "LANDING_DIR")


def main(argv: list[str]) -> int:
    """`python -m loader.config WAREHOUSE_PATH`: print a path as the loader reads it (the
    environment, then `.env` with python-dotenv's quoting), for the Makefile, which would
    otherwise read `.env` with make's own rules (quotes kept, `$` expanded)."""
    env = environment(None)
    paths = dict(zip(PATH_SETTINGS, _paths(env), strict=True))
    for name in argv:
        if name not in paths:
            print(
                f"python -m loader.config prints only {' or '.join(PATH_SETTINGS)}",
                file=sys.stderr,
            )
            return 2
        print(paths[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
