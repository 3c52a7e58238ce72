"""`pull`: list the account's files window by window, download them in batches, and land them
through the one landing path (loader/land.py), as `ingest` lands local files.

The window ends now (a later `--end` is cut to now) and, by default, starts at the newest
landed hour that is not in the future, minus LP_LOOKBACK_HOURS: a file whose name says 2030
never moves the window, so it cannot block later pulls.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tqdm import tqdm

from loader.client import AuthError, DataAccessClient, DataAccessError, RemoteFile, display_url
from loader.config import Settings
from loader.land import Candidate, Lander, RunSummary, StopRun, batches, land_run

log = logging.getLogger(__name__)

# LivePerson deletes files 30 days after creation; public clients list at most a day at a
# time because larger windows were known to time out.
RETENTION = timedelta(days=30)
MAX_WINDOW = timedelta(days=1)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Split [start, end) into consecutive windows of at most a day."""
    spans = []
    cursor = start
    while cursor < end:
        stop = min(cursor + MAX_WINDOW, end)
        spans.append((cursor, stop))
        cursor = stop
    return spans


def default_start(newest_landed: datetime | None, settings: Settings, now: datetime) -> datetime:
    """The newest landed hour (not after now) minus the lookback, or the retention limit."""
    if newest_landed is None:
        return now - RETENTION
    return min(newest_landed.replace(tzinfo=UTC), now) - timedelta(hours=settings.lookback_hours)


def list_window_files(
    client: DataAccessClient, start: datetime, end: datetime
) -> tuple[list[RemoteFile], list[RemoteFile]]:
    """Every usable file of [start, end), once each, oldest hour first; and the entries whose
    names are unusable."""
    found: dict[str, RemoteFile] = {}
    unusable: list[RemoteFile] = []
    for window_start, window_end in windows(start, end):
        for remote in client.list_files(to_ms(window_start), to_ms(window_end)):
            if remote.name is None:
                unusable.append(remote)
                continue
            # Window bounds may be inclusive on LivePerson's side: a file can be listed twice,
            # by the same link (its host may be another shard). Two different links under one
            # name cannot both be that file: the later one is refused, named.
            seen = found.setdefault(remote.name.name, remote)
            if urlsplit(seen.href).path != urlsplit(remote.href).path:
                unusable.append(
                    replace(
                        remote,
                        name=None,
                        problem=(
                            f"{remote.name.name} is listed twice with different links "
                            f"({display_url(seen.href)} and {display_url(remote.href)}): "
                            "the second is not landed"
                        ),
                    )
                )
    ordered = sorted(found.values(), key=lambda r: (r.name.scope_start_ms, r.name.name))  # type: ignore[union-attr]
    return ordered, unusable


def pull(
    settings: Settings,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    client: DataAccessClient | None = None,
) -> RunSummary:
    now = datetime.now(UTC)
    if end is None or end > now:
        if end is not None:
            log.info("--end %s is in the future: pulling up to now", end.isoformat())
        end = now
    if start is not None and start >= end:
        summary = RunSummary()
        summary.errors.append(
            f"--start {start.isoformat()} is not before the end of the window "
            f"{end.isoformat(timespec='seconds')} (--end, or now)"
        )
        return summary
    own_client = client is None
    client = client or DataAccessClient(settings)
    try:
        return land_run(settings, "pull", lambda lander: _feed(lander, client, start, end, now))
    finally:
        if own_client:
            client.close()


def _feed(
    lander: Lander,
    client: DataAccessClient,
    start: datetime | None,
    end: datetime,
    now: datetime,
) -> None:
    settings = lander.settings
    if start is None:
        newest = lander.warehouse.ledger.newest_landed_hour(now.replace(tzinfo=None))
        start = default_start(newest, settings, now)
        if start >= end:
            raise StopRun(
                f"the window starts at {start.isoformat(timespec='minutes')} (the newest landed "
                f"hour minus LP_LOOKBACK_HOURS), after --end {end.isoformat()}: give --start"
            )
    if start < now - RETENTION:
        log.warning(
            "The window starts %s, more than 30 days ago: LivePerson deletes files after "
            "30 days, so anything older is gone. If this run follows a gap, data from "
            "the gap has been lost.",
            start.isoformat(timespec="minutes"),
        )
    log.info(
        "Listing files from %s to %s",
        start.isoformat(timespec="minutes"),
        end.isoformat(timespec="minutes"),
    )
    try:
        remotes, unusable = list_window_files(client, start, end)
    except AuthError as exc:
        raise StopRun(str(exc)) from exc
    except DataAccessError as exc:
        raise StopRun(str(exc)) from exc
    log.info("%d files listed", len(remotes))
    for remote in unusable:
        lander.refuse(remote.listed_name or display_url(remote.href), remote.problem or "")
    lander.expect([remote.name.name for remote in remotes])  # type: ignore[union-attr]
    for group in batches(remotes, lambda _remote: 0):
        candidates: list[Candidate] = []
        try:
            for remote in group:
                candidate = _download(lander, client, remote)
                if candidate is not None:
                    candidates.append(candidate)
        except BaseException:
            # The run stops (rejected credentials, Ctrl-C): no download is left behind.
            for candidate in candidates:
                candidate.path.unlink(missing_ok=True)
            raise
        lander.submit(candidates)


def _download(lander: Lander, client: DataAccessClient, remote: RemoteFile) -> Candidate | None:
    """Download `remote` beside its landing path; None when it failed (recorded)."""
    assert remote.name is not None
    settings = lander.settings
    target = remote.name.landing_path(settings.landing_dir)
    download = target.with_name(target.name + ".download")
    candidate = Candidate(download, remote.name, "pull", display_url(remote.href), owned=True)
    try:
        with tqdm(
            unit="B", unit_scale=True, desc=remote.name.name, disable=None, leave=False
        ) as bar:
            client.download(remote, download, progress=bar.update)
    except AuthError as exc:
        # Credentials will not get better file by file: stop the run.
        raise StopRun(str(exc)) from exc
    except DataAccessError as exc:
        lander.fail(candidate, str(exc))
        return None
    except OSError as exc:
        # Such as a full landing folder: say which file, in the OS's own words.
        lander.fail(
            candidate,
            f"{remote.name.name}: cannot write to the landing folder {settings.landing_dir}: "
            f"{exc.strerror or exc}",
        )
        return None
    return candidate
