"""`python -m loader pull|ingest|sample|status|manifest`: the loader's command line.

Exit status: 0 all good, 1 something failed (summary on stderr), 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from loader.config import ConfigError, Settings, has_credentials, load_settings
from loader.land import RunSummary, ingest, load_lock
from loader.manifest import manifest_path, write_manifest
from loader.warehouse import Warehouse, WarehouseError

log = logging.getLogger("loader")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


class RedactingFilter(logging.Filter):
    """Last line of defence: no configured secret ever reaches a log line."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [secret for secret in secrets if len(secret) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def parse_time(text: str) -> datetime:
    """ISO-8601 (a zone-less time is UTC) or epoch milliseconds."""
    value = text.strip()
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither ISO-8601 (2026-11-01T00:00Z) nor epoch milliseconds"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    parser = argparse.ArgumentParser(
        prog="python -m loader",
        description="Land LivePerson web-session files raw into the DuckDB warehouse.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)

    pull = commands.add_parser(
        "pull", parents=[common], help="list and land every file not yet landed in a window"
    )
    pull.add_argument(
        "--start",
        type=parse_time,
        help="ISO-8601 or epoch ms (default: "
        "newest landed file minus LP_LOOKBACK_HOURS, or 30 days ago)",
    )
    pull.add_argument("--end", type=parse_time, help="ISO-8601 or epoch ms (default: now)")

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
        "has-credentials",
        parents=[common],
        help="exit 0 when LivePerson credentials are configured (used by make build)",
    )
    return parser


def configure_logging(verbose: bool, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 at debug prints full request lines; keep it, redacted, only when asked for.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose else logging.WARNING)


def report(summary: RunSummary) -> int:
    print(summary.line(), file=sys.stderr)
    if summary.failed:
        print("Failed:", file=sys.stderr)
        for failure in summary.failures():
            print(f"  - {failure}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def show_status(warehouse: Warehouse) -> int:
    facts = warehouse.status()
    print(f"warehouse:     {warehouse.path}")
    print(f"files landed:  {facts['files_landed']:,}")
    print(f"visits:        {facts['visits']:,}")
    print(f"compressed:    {facts['bytes_compressed'] / 1e6:,.1f} MB")
    print(f"hours covered: {facts['scope_start'] or '-'} to {facts['scope_end'] or '-'} (UTC)")
    print(f"last landed:   {facts['last_landed_at'] or '-'} (UTC)")
    print(f"files failed:  {facts['files_failed']:,}")
    for name, error, attempted in facts["failures"]:
        print(f"  - {name} ({attempted} UTC): {error}")
    # Reporting earlier failures is this command succeeding; `pull`/`ingest` exit non-zero.
    return EXIT_OK


def refresh_manifest(settings: Settings) -> int:
    """Rewrite the landing manifest after a run (landed files count even when others failed)."""
    if not settings.warehouse_path.exists():
        return EXIT_OK
    target = manifest_path(settings.landing_dir)
    try:
        with load_lock(settings.warehouse_path), Warehouse(settings.warehouse_path) as warehouse:
            files = write_manifest(warehouse.con, settings.landing_dir)
    except OSError as exc:
        print(
            f"Cannot write the landing manifest {target}: {exc.strerror or exc}. The landed "
            "data is safe; free space and run `python -m loader manifest`.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    log.debug("manifest %s: %d landed files", target, files)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.command == "has-credentials":
        return EXIT_OK if has_credentials() else EXIT_FAILED
    if args.command == "sample":
        from loader.sample import write_sample

        if args.visits <= 0 or args.days <= 0:
            print("--visits and --days must be positive.", file=sys.stderr)
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
        print(
            f"wrote {summary.visits:,} visits in {len(summary.files)} files to {args.out} "
            f"({summary.bytes_compressed / 1e6:,.1f} MB gzip)",
            file=sys.stderr,
        )
        return EXIT_OK

    settings = load_settings(need_credentials=args.command == "pull")
    configure_logging(args.verbose, settings.secrets())
    log.debug("settings: %r", settings)
    if args.command == "status":
        if not settings.warehouse_path.exists():
            print(f"No warehouse at {settings.warehouse_path} yet: nothing landed.")
            return EXIT_OK
        with Warehouse(settings.warehouse_path) as warehouse:
            return show_status(warehouse)
    if args.command == "ingest":
        return max(report(ingest(settings, args.paths)), refresh_manifest(settings))
    if args.command == "pull":
        from loader.pull import pull

        outcome = report(pull(settings, start=args.start, end=args.end))
        return max(outcome, refresh_manifest(settings))
    if args.command == "manifest":
        return refresh_manifest(settings)
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, [])
    try:
        return run(args)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (WarehouseError, FileNotFoundError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "Interrupted: files landed so far are complete; run again to finish.", file=sys.stderr
        )
        return 130
