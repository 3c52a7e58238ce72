"""`pull`: list the account's files window by window and land each one not yet landed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from loader.client import AuthError, DataAccessClient, DataAccessError, RemoteFile
from loader.config import Settings
from loader.land import RunSummary, load_lock, prepare, progress
from loader.warehouse import Incoming, LandResult, Warehouse, WarehouseWriteError

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


def default_start(warehouse: Warehouse, settings: Settings, now: datetime) -> datetime:
    """The newest landed hour minus the lookback (late files), or the retention limit."""
    newest = warehouse.newest_landed_scope_start()
    if newest is None:
        return now - RETENTION
    return newest.replace(tzinfo=UTC) - timedelta(hours=settings.lookback_hours)


def list_window_files(client: DataAccessClient, start: datetime, end: datetime) -> list[RemoteFile]:
    """Every file of [start, end), once each, oldest hour first."""
    found: dict[str, RemoteFile] = {}
    for window_start, window_end in windows(start, end):
        for remote in client.list_files(to_ms(window_start), to_ms(window_end)):
            # Window bounds may be inclusive on LivePerson's side: a file can be listed twice.
            found.setdefault(remote.name.name, remote)
    return sorted(found.values(), key=lambda r: (r.name.scope_start_ms or 0, r.name.name))


def target_of(settings: Settings, remote: RemoteFile) -> Path:
    return remote.name.landing_path(settings.landing_dir)


def pull_file(
    client: DataAccessClient, warehouse: Warehouse, settings: Settings, remote: RemoteFile
) -> LandResult:
    """Download into the landing folder under a temporary name, then land it."""
    target = target_of(settings, remote)
    download = target.with_name(target.name + ".download")
    download.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tqdm(
            unit="B", unit_scale=True, desc=remote.name.name, disable=None, leave=False
        ) as bar:
            client.download(remote, download, progress=bar.update)
        prepared = prepare(
            warehouse, settings, download, remote.name, source="pull", source_uri=remote.href
        )
        if isinstance(prepared, LandResult):
            return prepared
        return warehouse.land(prepared, settings.max_uncompressed_bytes)
    finally:
        download.unlink(missing_ok=True)


def pull(
    settings: Settings,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    client: DataAccessClient | None = None,
) -> RunSummary:
    summary = RunSummary()
    now = datetime.now(UTC)
    end = end or now
    client = client or DataAccessClient(settings)
    with load_lock(settings.warehouse_path), Warehouse(settings.warehouse_path) as warehouse:
        start = start or default_start(warehouse, settings, now)
        if start >= end:
            summary.errors.append(f"--start {start.isoformat()} is not before --end {end}")
            return summary
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
            remotes = list_window_files(client, start, end)
        except DataAccessError as exc:
            summary.errors.append(str(exc))
            return summary
        log.info("%d files listed", len(remotes))
        bar = progress(remotes, "file", "pulling")
        for remote in remotes:
            try:
                result = pull_file(client, warehouse, settings, remote)
            except (AuthError, WarehouseWriteError) as exc:
                # Credentials, or a full warehouse disk, will not get better file by file:
                # stop the run.
                summary.errors.append(str(exc))
                break
            except (DataAccessError, OSError) as exc:
                failed = Incoming(target_of(settings, remote), remote.name, "pull", remote.href)
                if isinstance(exc, OSError):
                    # Such as a full landing folder: say which file, in the OS's own words.
                    message = (
                        f"{remote.name.name}: cannot write to the landing folder "
                        f"{settings.landing_dir}: {exc.strerror or exc}"
                    )
                else:
                    message = str(exc)
                try:
                    result = warehouse.record_failure(failed, message)
                except WarehouseWriteError as write_error:
                    summary.errors.append(f"{message}; {write_error}")
                    break
            log.info("%s: %s (%d visits)", result.file_name, result.status, result.records)
            summary.add(result)
            bar.update()
        bar.close()
    return summary
