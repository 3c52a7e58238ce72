"""`make bench`: landing and dbt speed against a floor, a ceiling and a peer, in one run.

Every step runs as its own process on the same generated files; each is timed by wall clock
and its peak memory read from the kernel (wait4's ru_maxrss). Absolute numbers vary with the
machine and its load, so the table reports ratios between steps measured in the same run.

    python bench/run.py [--visits 50000] [--days 30] [--skip-dlt] [--hourly-baseline FILE]

--hourly-baseline: the JSON result of an earlier run at a smaller history (say 50,000
visits): the report then gives this run's hourly build against that one's, a target that
needs two sizes of history and so two runs.

Results go to bench/results/<timestamp>.{json,md} (git-ignored) and to the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results"
# The interpreter running the bench (make bench: the project's .venv) and its dbt.
VENV_PYTHON = Path(sys.executable)
DBT = VENV_PYTHON.with_name("dbt")
DLT_VENV = BENCH / ".venv-dlt"
DLT_REQUIREMENTS = BENCH / "requirements-dlt.txt"

sys.path.insert(0, str(REPO))


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mb: float
    visits: int = 0
    uncompressed_mb: float = 0.0
    note: str = ""
    node_seconds: dict[str, float] = field(default_factory=dict)  # dbt steps: per node

    @property
    def visits_per_s(self) -> float:
        return self.visits / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.uncompressed_mb / self.seconds if self.seconds else 0.0


def measure(name: str, command: list[str], *, env: dict | None = None, **facts) -> Step:
    """Run `command`, returning its wall time and peak RSS (of it and the children it waited)."""
    print(f"  {name} ...", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = process.stderr.read() if process.stderr else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{stderr.decode(errors='replace')[-3000:]}")
    return Step(name, seconds, usage.ru_maxrss / 1024, **facts)


def dbt_breakdown(step: Step, target: Path) -> None:
    """Where a dbt build spent its node time (summed over threads), from run_results.json:
    the note column (by kind, and the three slowest models) and every node's seconds."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    seconds: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        seconds[kind] = seconds.get(kind, 0.0) + result["execution_time"]
        step.node_seconds[result["unique_id"]] = round(result["execution_time"], 3)
    names = {"model": "models", "test": "data tests", "unit_test": "unit tests", "seed": "seeds"}
    slowest = sorted(
        (item for item in step.node_seconds.items() if item[0].startswith("model.")),
        key=lambda item: -item[1],
    )[:3]
    step.note = (
        ", ".join(f"{names[kind]} {seconds[kind]:.1f} s" for kind in names if kind in seconds)
        + " (node time); slowest: "
        + ", ".join(f"{node.split('.')[-1]} {value:.1f} s" for node, value in slowest)
    )


def generate(out: Path, visits: int, days: int, end: datetime) -> dict:
    manifest = out / "_sample_manifest.json"
    if manifest.exists():
        facts = json.loads(manifest.read_text())
        if facts["visits"] == visits and facts["days"] == days and facts["end"] == end.isoformat():
            return facts
    shutil.rmtree(out, ignore_errors=True)
    from loader.sample import write_sample

    print(f"  generating {visits:,} visits over {days} days ...", flush=True)
    write_sample(out, visits=visits, days=days, seed=7, end=end)
    return json.loads(manifest.read_text())


def one_more_hour(out: Path, visits_per_hour: int, end: datetime) -> list[Path]:
    """The files of the hour after `end`: what an hourly incremental run lands."""
    from loader.sample import write_sample

    scratch = WORK / "next-day"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    summary = write_sample(
        scratch, visits=visits_per_hour * 24, days=1, seed=8, end=end + timedelta(hours=1)
    )
    out.mkdir(parents=True)
    start_ms = int(end.timestamp() * 1000)
    kept = []
    for path in summary.files:
        if path.name.startswith(f"WebSession.{start_ms}."):
            kept.append(path.replace(out / path.name))
    shutil.rmtree(scratch)
    return kept


def ensure_dlt() -> Path:
    python = DLT_VENV / "bin" / "python"
    if not python.exists():
        print("  creating the dlt virtual environment (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DLT_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(DLT_REQUIREMENTS)],
            check=True,
        )
    return python


def table(steps: dict[str, Step]) -> str:
    rows = [
        "| step | seconds | visits/s | uncompressed MB/s | peak RSS MB | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step in steps.values():
        rows.append(
            f"| {step.name} | {step.seconds:.1f} | "
            f"{step.visits_per_s:,.0f} | {step.mb_per_s:.1f} | {step.peak_rss_mb:,.0f} | "
            f"{step.note} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=int(os.environ.get("BENCH_VISITS", 50000)))
    parser.add_argument("--days", type=int, default=int(os.environ.get("BENCH_DAYS", 30)))
    parser.add_argument("--skip-dlt", action="store_true", help="leave the peer out")
    parser.add_argument(
        "--hourly-baseline",
        type=Path,
        help="an earlier result (.json) at a smaller history, for the hourly-growth ratio",
    )
    args = parser.parse_args()

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    sample = WORK / "sample"
    facts = generate(sample, args.visits, args.days, end)
    files = sorted(str(p) for p in sample.glob("*.gz"))
    visits = facts["visits"]
    megabytes = facts["bytes_uncompressed"] / 1e6
    volume = {"visits": visits, "uncompressed_mb": megabytes}
    steps: dict[str, Step] = {}
    print(f"{visits:,} visits, {len(files)} files, {megabytes:,.0f} MB uncompressed")

    steps["floor"] = measure(
        "gzip -dc (decompression floor)",
        ["sh", "-c", 'cat "$@" | gzip -dc > /dev/null', "sh", *files],
        **volume,
    )
    bare = WORK / "bare.duckdb"
    bare.unlink(missing_ok=True)
    steps["duckdb"] = measure(
        "DuckDB alone (one SQL statement)",
        [
            str(VENV_PYTHON),
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute("
            '"create table t as select filename, json from read_json_objects('
            f"'{sample}/*.gz', format = 'auto', compression = 'gzip', filename = true)\")",
            str(bare),
        ],
        **volume,
    )
    warehouse = WORK / "warehouse.duckdb"
    landing = WORK / "landing"
    for path in (warehouse, Path(f"{warehouse}.wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(landing, ignore_errors=True)
    from loader.pseudonym_key import ENV_NAME as PSEUDONYM_KEY_ENV
    from loader.pseudonym_key import ensure_key

    env = {
        "WAREHOUSE_PATH": str(warehouse),
        "LANDING_DIR": str(landing),
        "LP_ENV_FILE": str(WORK / "no.env"),
        "DBT_PROFILES_DIR": str(REPO),
        # dbt runs here without the Makefile, which would create the user's key: the bench
        # hashes with a key of its own, never the user's.
        PSEUDONYM_KEY_ENV: str(ensure_key(WORK / "pseudonym.key")),
    }
    steps["loader"] = measure(
        "loader ingest",
        [str(VENV_PYTHON), "-m", "loader", "ingest", str(sample)],
        env=env,
        **volume,
    )
    # The transformation's baseline: DuckDB alone, in one statement, splitting every landed
    # record into its bodies with each body's type name (the wrapper's key), as JSON.
    steps["duckdb_unnest"] = measure(
        "DuckDB alone unnesting every record body with its type name",
        [
            str(VENV_PYTHON),
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute("
            '"create or replace table main.bench_bodies as '
            "select file_name, line_number, json_keys(body, '$.body')[1] as type_name, body "
            "from (select file_name, line_number, unnest(coalesce("
            "json_extract(record, '$.recordCollection.array[*]'), "
            "json_extract(record, '$.recordCollection[*]'))) as body "
            'from raw.web_sessions)"); c.execute("drop table main.bench_bodies")',
            str(warehouse),
        ],
        **volume,
    )
    if not args.skip_dlt:
        dlt_python = ensure_dlt()
        dlt_dir = WORK / "dlt"
        shutil.rmtree(dlt_dir, ignore_errors=True)
        steps["dlt"] = measure(
            "dlt into DuckDB (peer)",
            [str(dlt_python), str(BENCH / "dlt_load.py"), str(sample), str(dlt_dir)],
            note="dlt defaults, JSON kept as one column",
            **volume,
        )
    target = WORK / "target"
    # What a scheduled production run executes: models and data tests. Unit tests check the
    # code, not the data; they run in `make test` and `make build`, not every hour.
    dbt = [
        str(DBT),
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--target-path",
        str(target),
        "--quiet",
    ]
    steps["dbt_full"] = measure("dbt build (full, from scratch)", dbt, env=env, **volume)
    dbt_breakdown(steps["dbt_full"], target)

    hour = one_more_hour(WORK / "next-hour", max(1, visits // (args.days * 24)), end)
    steps["ingest_hour"] = measure(
        "loader ingest (one more hour)",
        [str(VENV_PYTHON), "-m", "loader", "ingest", *map(str, hour)],
        env=env,
    )
    # What `make hourly` runs after its pull: data tests read the rows the run changed.
    hourly_env = {**env, "LP_DATA_TESTS_SCOPE": "changed"}
    steps["dbt_incremental"] = measure("dbt build (after one more hour)", dbt, env=hourly_env)
    dbt_breakdown(steps["dbt_incremental"], target)

    ratios = {
        "loader / DuckDB alone (target >= 0.5)": steps["duckdb"].seconds / steps["loader"].seconds,
        "full dbt build / DuckDB alone unnesting (target <= 4)": steps["dbt_full"].seconds
        / steps["duckdb_unnest"].seconds,
        "hourly / full dbt build (target < 0.10)": steps["dbt_incremental"].seconds
        / steps["dbt_full"].seconds,
        "full dbt build peak memory, GB (target < 2)": steps["dbt_full"].peak_rss_mb / 1024,
    }
    if args.hourly_baseline:
        earlier = json.loads(args.hourly_baseline.read_text())
        ratios[f"hourly build / hourly build at {earlier['visits']:,} visits (target <= 1.5)"] = (
            steps["dbt_incremental"].seconds / earlier["steps"]["dbt_incremental"]["seconds"]
        )
    if "dlt" in steps:
        ratios["loader speed / dlt speed (target >= 20)"] = (
            steps["dlt"].seconds / steps["loader"].seconds
        )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = "\n".join(
        [
            f"# Benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{visits:,} visits over {args.days} days in {len(files)} files "
            f"({megabytes:,.0f} MB uncompressed); {machine}.",
            "",
            table(steps),
            "",
            "| ratio | value |",
            "|---|---:|",
            *[f"| {name} | {value:.2f} |" for name, value in ratios.items()],
        ]
    )
    print("\n" + report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "visits": visits,
                "files": len(files),
                "uncompressed_mb": megabytes,
                "steps": {key: asdict(step) for key, step in steps.items()},
                "ratios": ratios,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {RESULTS}/{stamp}.md and .json")


if __name__ == "__main__":
    main()
