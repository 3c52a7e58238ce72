"""`python -m loader pull|ingest|sample|status|manifest`: the loader's command line.

Exit status: 0 all good, 1 something failed (summary on stderr), 2 bad configuration or usage.
Every message is a sentence; a traceback is shown only with --verbose, scrubbed of secrets.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loader import originals
from loader.config import ConfigError, Settings, has_credentials, load_settings
from loader.files import EARLIEST_MS
from loader.land import RunSummary
from loader.lock import LockError, load_lock, running_load
from loader.manifest import manifest_path, write_manifest
from loader.redact import REDACTOR, RedactingFormatter, scrub_log_records
from loader.warehouse import Warehouse, WarehouseError, connect_read_only

log = logging.getLogger("loader")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
# A digits-only time below this is taken as epoch seconds, above as milliseconds: 10^11 ms is
# March 1973, and 10^11 s is the year 5138.
SECONDS_BELOW = 10**11


def parse_time(text: str) -> datetime:
    """ISO-8601 (a zone-less time is UTC), epoch milliseconds or epoch seconds."""
    value = text.strip()
    if value.isdigit():
        number = int(value)
        ms = number * 1000 if number < SECONDS_BELOW else number
        if ms < EARLIEST_MS or ms > 4102444800000:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a time from 2000 to 2100 in epoch milliseconds or seconds"
            )
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither ISO-8601 (2026-11-01T00:00Z) nor epoch milliseconds or seconds"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loader",
        description="Land LivePerson web-session files raw into the DuckDB warehouse.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    # On each subcommand too, where it must not reset a --verbose given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    pull = commands.add_parser(
        "pull", parents=[common], help="list and land every file not yet landed in a window"
    )
    pull.add_argument(
        "--start",
        type=parse_time,
        help="ISO-8601, epoch ms or epoch s (default: the newest landed hour not in the "
        "future minus LP_LOOKBACK_HOURS, or 30 days ago)",
    )
    pull.add_argument(
        "--end", type=parse_time, help="ISO-8601, epoch ms or epoch s (default and latest: now)"
    )

    ingest_cmd = commands.add_parser(
        "ingest", parents=[common], help="land local .gz files or folders of them"
    )
    ingest_cmd.add_argument("paths", nargs="+", type=Path)

    sample = commands.add_parser("sample", parents=[common], help="write a sample data set")
    sample.add_argument("--out", type=Path, required=True)
    sample.add_argument("--visits", type=int, default=2000)
    sample.add_argument("--days", type=int, default=7)
    sample.add_argument("--seed", type=int, default=42)
    sample.add_argument(
        "--messy", action="store_true", help="data that breaks every assumption (messy_sample.py)"
    )
    sample.add_argument(
        "--large-record-bytes", type=int, help="--messy: also one record larger than this"
    )

    commands.add_parser("status", parents=[common], help="what has been landed")
    commands.add_parser(
        "manifest",
        parents=[common],
        help="rewrite LANDING_DIR/landed_files.csv from the ledger (ingest and pull do it)",
    )
    commands.add_parser(
        "pseudonym-key",
        parents=[common],
        help="create the key of the warehouse's keyed hashes if missing, and say where it is",
    )
    commands.add_parser(
        "has-credentials",
        parents=[common],
        help="exit 0 when LivePerson credentials are configured (used by make build)",
    )
    return parser


def configure_logging(verbose: bool) -> None:
    scrub_log_records()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 at debug prints full request lines; keep it, redacted, only when asked for.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose else logging.WARNING)


def say(text: str) -> None:
    print(REDACTOR.scrub(text), file=sys.stderr)


def report(summary: RunSummary) -> int:
    say(summary.line())
    if summary.failed:
        say("Failed:")
        for failure in summary.failures():
            say(f"  - {failure}")
        return EXIT_FAILED
    return EXIT_OK


def show_status(settings: Settings) -> int:
    """What has landed, read-only; during a load, what the load is doing."""
    path = settings.warehouse_path
    load = running_load(path)
    if load is not None:
        print(f"A load is running: {load.describe()}.")
    if not path.exists():
        print(f"No warehouse at {path} yet: nothing landed.")
        return EXIT_OK
    try:
        con = connect_read_only(path)
    except WarehouseError as exc:
        if load is None:
            raise
        manifest = manifest_path(settings.landing_dir)
        print(
            f"The warehouse is locked by that load until it ends; the files the last finished "
            f"run left landed are listed in {manifest}."
        )
        log.debug("%s", exc)
        return EXIT_OK
    with con:
        try:
            facts = _facts(con)
        except duckdb.CatalogException:
            print(f"warehouse:     {path}\nNothing landed yet.")
            return EXIT_OK
    print(f"warehouse:     {path}")
    print(f"files landed:  {facts['files_landed']:,}")
    print(f"visits:        {facts['visits']:,}")
    print(f"compressed:    {facts['bytes_compressed'] / 1e6:,.1f} MB")
    print(f"hours covered: {facts['scope_start'] or '-'} to {facts['scope_end'] or '-'} (UTC)")
    print(f"last landed:   {facts['last_landed_at'] or '-'} (UTC)")
    print(f"files failed:  {facts['files_failed']:,}")
    for name, error, attempted in facts["failures"]:
        print(REDACTOR.scrub(f"  - {name} ({attempted} UTC): {error}"))
    # Reporting earlier failures is this command succeeding; `pull`/`ingest` exit non-zero.
    return EXIT_OK


def _facts(con: duckdb.DuckDBPyConnection) -> dict:
    files = con.execute(
        """
        select
            count(*) filter (where landed_at is not null),
            count(*) filter (where status = 'failed'),
            coalesce(sum(record_count), 0),
            coalesce(sum(size_bytes) filter (where landed_at is not null), 0),
            min(scope_start_at) filter (where landed_at is not null),
            max(scope_end_at) filter (where landed_at is not null),
            max(landed_at)
        from raw.web_session_files
        """
    ).fetchone()
    failures = con.execute(
        """
        select file_name, error, attempted_at from raw.web_session_files
        where status = 'failed' order by attempted_at desc, file_name
        """
    ).fetchall()
    return {
        "files_landed": files[0],
        "files_failed": files[1],
        "visits": files[2],
        "bytes_compressed": files[3],
        "scope_start": files[4],
        "scope_end": files[5],
        "last_landed_at": files[6],
        "failures": failures,
    }


def rewrite_manifest(settings: Settings) -> int:
    """`manifest`: rewrite the landing manifest from the ledger."""
    if not settings.warehouse_path.exists():
        return EXIT_OK
    target = manifest_path(settings.landing_dir)
    try:
        with (
            load_lock(settings.warehouse_path, "manifest"),
            Warehouse(settings.warehouse_path) as warehouse,
        ):
            originals.recover(settings.landing_dir, warehouse.ledger)
            files = write_manifest(warehouse.ledger, settings.landing_dir)
    except OSError as exc:
        say(
            f"Cannot write the landing manifest {target}: {exc.strerror or exc}. The landed "
            "data is safe; free space and run `python -m loader manifest`."
        )
        return EXIT_FAILED
    log.debug("manifest %s: %d landed files", target, files)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.command == "has-credentials":
        return EXIT_OK if has_credentials() else EXIT_FAILED
    if args.command == "pseudonym-key":
        from loader.pseudonym_key import ensure_key, key_path

        existed = key_path().exists()
        path = ensure_key()
        say(f"{'Pseudonym key' if existed else 'Created the pseudonym key'}: {path}")
        return EXIT_OK
    if args.command == "sample":
        from loader.sample import write_sample

        if args.visits <= 0 or args.days <= 0:
            say("--visits and --days must be positive.")
            return EXIT_CONFIG
        if args.messy:
            from loader.messy_sample import write_messy_sample

            messy = write_messy_sample(
                args.out,
                visits=args.visits,
                days=args.days,
                seed=args.seed,
                large_record_bytes=args.large_record_bytes,
            )
            print(f"wrote {len(messy.files)} messy files to {args.out}", file=sys.stderr)
            return EXIT_OK
        summary = write_sample(args.out, visits=args.visits, days=args.days, seed=args.seed)
        say(
            f"wrote {summary.visits:,} visits in {len(summary.files)} files to {args.out} "
            f"({summary.bytes_compressed / 1e6:,.1f} MB gzip)"
        )
        return EXIT_OK

    settings = load_settings(need_credentials=args.command == "pull")
    REDACTOR.add(*settings.secrets())
    log.debug("settings: %r", settings)
    if args.command == "status":
        return show_status(settings)
    if args.command == "ingest":
        from loader.ingest import ingest

        return report(ingest(settings, args.paths))
    if args.command == "pull":
        from loader.pull import pull

        return report(pull(settings, start=args.start, end=args.end))
    if args.command == "manifest":
        return rewrite_manifest(settings)
    raise AssertionError(args.command)


def _terminate(signum: int, _frame: object) -> None:
    # SIGTERM (a kill, a stopped container) unwinds like Ctrl-C: downloads and copies on
    # their way are removed and the manifest is rewritten on the way out.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread (a test): no handler
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args)
    except ConfigError as exc:
        say(f"Configuration error: {exc}")
        return EXIT_CONFIG
    except (WarehouseError, LockError) as exc:
        say(f"Error: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        say("Interrupted: files landed so far are complete; run again to finish.")
        return 130
    except Exception as exc:
        log.debug("unexpected error", exc_info=True)
        say(
            f"Error: {exc!r}. This is a bug of the loader; run again with --verbose for the "
            "details, and report them."
        )
        return EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
