"""Parity check: the same dbt project on DuckDB and on Spark gives the same tables.

`make test-spark` runs `python -m spark.parity`. In a fresh work folder (never the user's
warehouse or landing folder) it:

1. writes the built-in sample and lands it with the loader, plus three files that exercise
   the raw layer: a re-delivery of one file's visits under another name, with blank lines
   (the later landing must win on both engines, and line numbers must agree), a changed
   re-delivery of another file (its older original stays in the folder as
   `<name>.replaced-<sha>`), a corrupt gzip that fails to land (its original stays too) and
   visits whose product SKUs are JSON numbers (doubles in both engines' notations, beyond
   the double range, a big integer);
   and a pseudonym key of its own (LP_PSEUDONYM_KEY_FILE), which both engines hash with;
2. runs `dbt build` on DuckDB (target `duckdb`);
3. writes the messy sample (`loader sample --messy`: every report combination, short and
   odd-case type names, a bare top level, bad values such as 1e400 and PGP text, unknown
   types and fields, re-deliveries, one record larger than the build reads) and lands it;
4. runs `dbt build` on DuckDB again (incremental: only the visits that changed) and once on
   Spark (target `spark`: in-process PySpark, reading raw from the landing folder, every
   table rebuilt; see macros/raw_relations.sql);
5. reads every model and seed, and raw.web_sessions, from both engines, normalises values
   (numbers to 6 decimal places, timestamps to microseconds, lists and structs element by
   element; null and empty stay different) and compares them as multisets of rows: marts row
   for row, the other layers by row count and checksum, listing differing rows when any.
   Not compared: `changed_at`, when a row was last recomputed (bookkeeping of DuckDB's
   incremental runs; Spark rebuilds everything), and the order of the lists DuckDB makes
   in no defined order (UNORDERED_LISTS). The JSON texts of the `raw` schema compare by
   the values the models read from them (JSON_TEXT_SCHEMAS);
6. in separate folders, lands a pretty-printed file (which DuckDB accepts and Spark cannot
   split into records), and a file whose original is then deleted, and checks that each
   fails the Spark build naming the file.

It prints one line per table and exits 1 on any difference or failed build. PySpark is
imported only for step 5, so the comparison functions are testable without it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from loader.pseudonym_key import ensure_key

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = REPO / "target" / "spark-parity"
# Small but with every record type, goal and attribute member (loader.sample's counts).
DEFAULT_VISITS = 400
DEFAULT_DAYS = 2
DEFAULT_SEED = 42
# Numbers compare at this many decimal places: doubles summed in another order (and
# Spark's double median against DuckDB's decimal one) differ only beyond it.
DECIMAL_PLACES = 6
SHOWN_ROWS = 5
# The messy sample's random visits (besides its hand-made ones), and the largest record the
# build reads: the messy sample's one larger record is quarantined, not parsed.
MESSY_VISITS = 100
MAX_RECORD_BYTES = 100_000
# Both engines build the marts in a reporting time zone other than UTC (a west-of-UTC zone
# with daylight saving: late-evening UTC visits and orders fall on the day before), so the
# comparison covers each engine's zone conversion of dates and day buckets.
REPORTING_TIMEZONE = "America/New_York"
# When a row was last recomputed: DuckDB's incremental models keep the run that last
# changed a visit, Spark rebuilds every table. Bookkeeping, not data: never compared.
SKIPPED_COLUMNS = frozenset({"changed_at"})
# The parsed records keep payloads as JSON text, as each engine's JSON writer prints it:
# Spark writes 1.0E7 for DuckDB's 10000000.0, and "1e400" (quoted) for 1e400. Such texts
# in these schemas compare by the values the models read from them (every scalar as its
# text, numbers as DuckDB prints them).
JSON_TEXT_SCHEMAS = frozenset({"raw"})
# Lists DuckDB builds in no defined order (list_distinct): compared as sorted lists.
UNORDERED_LISTS = {"raw.base_liveperson__records": frozenset({"sampled_field_names"})}
# Layers compared row for row in the report; the others by count and checksum.
ROW_FOR_ROW_SCHEMAS = {"marts"}

_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
_CONTEXT = Context(prec=60)


# --- comparison (no Spark needed) -------------------------------------------------------


def normalise(value: Any, json_text: bool = False) -> Any:
    """One engine-independent, hashable, orderable form of a value. With `json_text`, a
    text holding a JSON object or array is read as the models read it (_json_number)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | Decimal | float):
        return ("n", _number(value))
    if isinstance(value, str):
        if json_text and value[:1] in ("{", "["):
            try:
                parsed = json.loads(value, parse_float=_json_number, parse_int=str)
            except ValueError:
                return ("s", value)
            return ("j", normalise(parsed))
        return ("s", value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = _naive_utc(value)
        return ("t", value.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if isinstance(value, date):
        return ("d", value.isoformat())
    if isinstance(value, timedelta):
        return ("i", value.total_seconds())
    if isinstance(value, bytes | bytearray):
        return ("x", bytes(value).hex())
    if hasattr(value, "asDict"):  # a Spark Row (struct)
        value = value.asDict()
    if isinstance(value, dict):
        return (
            "m",
            tuple(sorted((str(key), normalise(item, json_text)) for key, item in value.items())),
        )
    if isinstance(value, list | tuple):
        return ("l", tuple(normalise(item, json_text) for item in value))
    return ("?", repr(value))


def _json_number(text: str) -> str:
    """A JSON number (not an integer) as the models read it, as text: a double, printed as
    DuckDB and Python print it (Spark's JSON writer prints 1.0E7 for 10000000.0); a number
    beyond the double range as it was sent (Spark's writer quotes it: see
    spark__lp_parse_json)."""
    number = float(text)
    return text if number in (float("inf"), float("-inf")) else repr(number)


def _naive_utc(value: datetime) -> datetime:
    offset = value.utcoffset() or timedelta(0)
    return (value - offset).replace(tzinfo=None)


def _number(value: int | Decimal | float) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return repr(value)
        value = Decimal(repr(value))
    try:
        rounded = Decimal(value).quantize(_QUANTUM, context=_CONTEXT)
    except InvalidOperation:
        return str(value)
    # -0 and 0 are the same number; normalize() drops trailing zeros (1.50 == 1.5).
    return str(rounded.normalize(context=_CONTEXT) + 0)


def normalise_rows(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    unordered: Collection[str] = frozenset(),
    json_text: bool = False,
) -> list[tuple]:
    """Rows in the compared column order, normalised; the lists of `unordered` columns
    sorted."""
    sort = [column in unordered for column in columns]
    return [
        tuple(
            _sorted_list(normalise(value, json_text)) if sort[i] else normalise(value, json_text)
            for i, value in enumerate(row)
        )
        for row in rows
    ]


def _sorted_list(value: Any) -> Any:
    if value is None or value[0] != "l":
        return value
    return ("l", tuple(sorted(value[1], key=repr)))


def checksum(rows: Iterable[tuple]) -> str:
    digest = hashlib.sha256()
    for line in sorted(repr(row) for row in rows):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


@dataclass
class TableResult:
    name: str
    row_for_row: bool
    duckdb_rows: int = 0
    spark_rows: int = 0
    duckdb_checksum: str = ""
    spark_checksum: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        mode = "rows" if self.row_for_row else "checksum"
        if self.ok:
            return (
                f"  same  {self.name:<58} {self.duckdb_rows:>7} rows  {mode} {self.duckdb_checksum}"
            )
        return (
            f"  DIFF  {self.name:<58} duckdb {self.duckdb_rows} rows {self.duckdb_checksum}, "
            f"spark {self.spark_rows} rows {self.spark_checksum}"
        )


def compare_table(
    name: str,
    duckdb_columns: Sequence[str],
    duckdb_rows: Iterable[Sequence[Any]],
    spark_columns: Sequence[str],
    spark_rows: Iterable[Sequence[Any]],
    row_for_row: bool = True,
    skipped: Collection[str] = frozenset(),
    unordered: Collection[str] = frozenset(),
    json_text: bool = False,
) -> TableResult:
    """Compare one table from both engines; columns match by (case-insensitive) name. The
    `skipped` columns must exist on both but are not compared; the lists of `unordered`
    columns compare as sorted lists; with `json_text`, texts holding JSON compare by the
    values the models read from them."""
    result = TableResult(name, row_for_row)
    duck_names = [column.lower() for column in duckdb_columns]
    spark_names = [column.lower() for column in spark_columns]
    if sorted(duck_names) != sorted(spark_names):
        only_duck = sorted(set(duck_names) - set(spark_names))
        only_spark = sorted(set(spark_names) - set(duck_names))
        result.problems.append(f"columns differ: only DuckDB {only_duck}, only Spark {only_spark}")
        return result
    compared = [i for i, column in enumerate(duck_names) if column not in skipped]
    names = [duck_names[i] for i in compared]
    order = [spark_names.index(column) for column in names]
    duck = normalise_rows(
        names, ([row[i] for i in compared] for row in duckdb_rows), unordered, json_text
    )
    spark = normalise_rows(
        names, ([row[i] for i in order] for row in spark_rows), unordered, json_text
    )
    result.duckdb_rows, result.spark_rows = len(duck), len(spark)
    result.duckdb_checksum, result.spark_checksum = checksum(duck), checksum(spark)
    if result.duckdb_checksum == result.spark_checksum and Counter(duck) == Counter(spark):
        return result
    only_duck_rows = list((Counter(duck) - Counter(spark)).elements())
    only_spark_rows = list((Counter(spark) - Counter(duck)).elements())
    result.problems.append(
        f"{len(only_duck_rows)} rows only on DuckDB, {len(only_spark_rows)} rows only on Spark"
    )
    for label, rows in (("duckdb", only_duck_rows), ("spark", only_spark_rows)):
        for row in sorted(rows, key=repr)[:SHOWN_ROWS]:
            shown = {column: _shown(value) for column, value in zip(names, row, strict=True)}
            result.problems.append(f"only {label}: {json.dumps(shown, default=str)[:600]}")
    return result


def _shown(value: Any) -> Any:
    """A normalised value as plain JSON-able data, for the report."""
    if value is None:
        return None
    kind, inner = value
    if kind == "l":
        return [_shown(item) for item in inner]
    if kind == "m":
        return {key: _shown(item) for key, item in inner}
    if kind == "j":
        return _shown(inner)
    return inner


# --- building (loader, dbt) ---------------------------------------------------------------


def _run(command: Sequence[str | Path], env: dict[str, str], log: Path) -> None:
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as handle:
        result = subprocess.run(  # noqa: S603 - the project's own commands
            [str(part) for part in command],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    print(
        f"  {' '.join(str(part) for part in command[1:5])} ... "
        f"exit {result.returncode} in {time.monotonic() - started:.0f}s (log: {log})"
    )
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise BuildFailed(f"{command[1:3]} failed (exit {result.returncode}):\n" + "\n".join(tail))


class BuildFailed(Exception):
    pass


def _environment(work: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The sample is landed, never pulled: no credentials reach the loader or dbt.
        if not key.startswith("LP_")
    }
    env.update(
        DBT_PROFILES_DIR=str(REPO),
        WAREHOUSE_PATH=str(work / "warehouse.duckdb"),
        LANDING_DIR=str(work / "landing"),
        SPARK_WORK_DIR=str(work / "spark"),
        TZ="UTC",
        PYTHONPATH=str(REPO),
        # One key for both engines, so that their keyed hashes compare equal; the work
        # folder's own, never the user's.
        LP_PSEUDONYM_KEY_FILE=str(ensure_key(work / "pseudonym.key")),
    )
    return env


def _dbt_environment(work: Path) -> dict[str, str]:
    """dbt's: the messy sample's large record is larger than the build reads."""
    return {**_environment(work), "LP_MAX_RECORD_BYTES": str(MAX_RECORD_BYTES)}


def _records(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def _edge_case_files(sample: Path, extra: Path) -> None:
    """Files that exercise the raw layer (see the module docstring)."""
    files = sorted(sample.glob("WebSession.*.gz"))
    first, third = files[0], files[2]
    extra.mkdir(parents=True)
    # The first file's visits again, under the next part number of the same hour: a
    # re-delivery that must win (landed later), with blank lines that are not records.
    lines = _records(first)
    redelivered = "\n\n".join(lines[:2]) + "\n   \n" + "\n".join(lines[2:]) + "\n\n"
    name = first.name.replace("part-00000-0", "part-00009-0")
    (extra / "redelivered" / name).parent.mkdir(parents=True)
    (extra / "redelivered" / name).write_bytes(gzip.compress(redelivered.encode(), mtime=0))
    # Another file again with its last visit dropped: it replaces the first delivery. (The
    # sample's hours follow the clock, so a file may hold a single visit: skip those.)
    second = next(path for path in files[1:] if len(_records(path)) > 1)
    lines = _records(second)
    (extra / "replaced").mkdir()
    (extra / "replaced" / second.name).write_bytes(
        gzip.compress(("\n".join(lines[:-1]) + "\n").encode(), mtime=0)
    )
    # A truncated gzip under a new name: it fails to land, its original stays.
    data = third.read_bytes()
    (extra / "corrupt").mkdir()
    name = third.name.replace("part-00000-0", "part-00008-0")
    (extra / "corrupt" / name).write_bytes(data[: len(data) // 2])
    # Visits whose product SKUs (text, read by lp_text) are numbers as JSON writes them.
    (extra / "numbers").mkdir()
    name = third.name.replace("part-00000-0", "part-00007-0")
    (extra / "numbers" / name).write_bytes(gzip.compress(_number_visits(files), mtime=0))


# SKUs as numbers: each engine parses them and prints them again (Java and DuckDB print
# doubles differently: see lp_spark_function_definitions), or keeps their text (beyond
# the double range: spark__lp_parse_json).
NUMBER_SKUS = (
    '{"double":12345678.9}',
    '{"double":1.5e16}',
    '{"double":1e-05}',
    '{"double":0.00012}',
    '{"double":1e400}',
    '{"double":-2E+308}',
    '{"float":2.5E-3}',
    '{"double":85.41}',
    '{"long":12345678901234567890123}',
    '{"double":100}',
)


def _number_visits(files: Sequence[Path]) -> bytes:
    """Copies of sample visits with viewed products, under new visit ids, whose SKUs are the
    NUMBER_SKUS in turn."""
    records = [line for path in files for line in _records(path) if '"sku":{"string":' in line]
    skus = iter(NUMBER_SKUS * len(NUMBER_SKUS))
    copies = []
    for number, record in enumerate(records[:4]):
        (visit_id,) = set(re.findall(r'"visitId":\{"string":"([^"]+)"\}', record))
        record = record.replace(visit_id, f"numbers-{number}-{visit_id}")
        copies.append(
            re.sub(r'"sku":\{"string":"[^"]*"\}', lambda _: f'"sku":{next(skus)}', record)
        )
    return ("\n".join(copies) + "\n").encode()


def build(work: Path, visits: int, days: int, seed: int) -> None:
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    env = _environment(work)
    python = sys.executable
    logs = work / "logs"
    print(f"Building the sample ({visits} visits over {days} days) in {work}")
    sample = ["--visits", str(visits), "--days", str(days), "--seed", str(seed)]
    _run(
        [python, "-m", "loader", "sample", "--out", work / "sample", *sample],
        env,
        logs / "sample.log",
    )
    _run([python, "-m", "loader", "ingest", work / "sample"], env, logs / "ingest.log")
    _edge_case_files(work / "sample", work / "extra")
    for case in ("redelivered", "replaced", "numbers"):
        _ingest(work, work / "extra" / case, logs / f"ingest-{case}.log")
    try:
        _ingest(work, work / "extra" / "corrupt", logs / "ingest-corrupt.log")
    except BuildFailed:
        pass  # expected: the file is corrupt
    else:
        raise BuildFailed("the corrupt gzip landed; the parity check's edge case is wrong")
    _dbt_build(work, "duckdb", logs / "dbt-duckdb.log")
    messy = work / "messy"
    _run(
        [
            *(python, "-m", "loader", "sample", "--messy", "--out", messy),
            *("--visits", str(MESSY_VISITS), "--days", "1", "--seed", str(seed)),
            *("--large-record-bytes", str(MAX_RECORD_BYTES)),
        ],
        env,
        logs / "sample-messy.log",
    )
    manifest = json.loads((messy / "_messy_manifest.json").read_text(encoding="utf-8"))
    for landing in manifest["land_in_order"]:
        folder = landing["folder"]
        _ingest(work, messy / folder, logs / f"ingest-messy-{folder}.log")
    _dbt_build(work, "duckdb", logs / "dbt-duckdb-incremental.log")
    _dbt_build(work, "spark", logs / "dbt-spark.log")


def _ingest(work: Path, folder: Path, log: Path) -> None:
    _run([sys.executable, "-m", "loader", "ingest", folder], _environment(work), log)


def _dbt_build(work: Path, target: str, log: Path) -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    # Unit tests run on Spark too, except those whose fixtures are DuckDB literals.
    excluded = ["--exclude", "tag:duckdb_only"] if target == "spark" else []
    _run(
        [
            *(dbt, "build", "--no-use-colors", "--target", target),
            *("--target-path", work / f"target-{target}", "--log-path", work / "logs"),
            *("--vars", json.dumps({"reporting_timezone": REPORTING_TIMEZONE})),
            *excluded,
        ],
        _dbt_environment(work),
        log,
    )


def check_spark_refuses(work: Path, case: str) -> str | None:
    """A landed file Spark cannot read as its landed records must fail the Spark build naming
    the file, not give wrong or missing rows. `case`: "pretty-printed" (a document over many
    lines: DuckDB lands it, Spark cannot split it into records) or "missing" (a listed
    original gone from the landing folder). Returns the problem, or None when it fails as it
    should."""
    root = work / f"refuses-{case}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "logs").mkdir(parents=True)
    env = _environment(root)  # its own warehouse, landing folder and Spark metastore
    source = sorted((work / "sample").glob("WebSession.*.gz"))[0]
    records = gzip.decompress(source.read_bytes()).decode("utf-8").splitlines()[:2]
    indent = 2 if case == "pretty-printed" else None
    text = "".join(json.dumps(json.loads(record), indent=indent) + "\n" for record in records)
    (root / "in").mkdir()
    (root / "in" / source.name).write_bytes(gzip.compress(text.encode(), mtime=0))
    python, dbt = sys.executable, str(Path(sys.executable).with_name("dbt"))
    _run([python, "-m", "loader", "ingest", root / "in"], env, root / "logs" / "ingest.log")
    expected = "newline-delimited files only"
    if case == "missing":
        (kept,) = (root / "landing").rglob(source.name)
        kept.unlink()
        expected = "could not be read"
    log = root / "logs" / "dbt-spark.log"
    try:
        _run(
            [
                dbt,
                "run",
                "--no-use-colors",
                "--target",
                "spark",
                "--select",
                "base_liveperson__records",
                "--target-path",
                root / "target",
                "--log-path",
                root / "logs",
            ],
            env,
            log,
        )
    except BuildFailed:
        logged = log.read_text(encoding="utf-8", errors="replace")
        if source.name in logged and expected in logged:
            print(f"  a {case} landed file fails the Spark build, named: ok")
            return None
        return f"the Spark build failed without naming the {case} file (log: {log})"
    return f"Spark built without failing on a {case} landed file (log: {log})"


# --- reading both engines -------------------------------------------------------------


def relations(work: Path) -> list[tuple[str, str]]:
    """(schema, table) of every model and seed the DuckDB build made, and raw.web_sessions."""
    manifest = json.loads((work / "target-duckdb" / "manifest.json").read_text())
    found = {
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        and node["config"].get("materialized") != "ephemeral"
    }
    return [("raw", "web_sessions"), *sorted(found)]


def spark_session(work: Path):  # pragma: no cover - needs Java and PySpark
    from pyspark.sql import SparkSession

    spark_dir = work / "spark"
    return (
        SparkSession.builder.master("local[2]")
        .appName("liveperson-parity")
        .enableHiveSupport()
        .config("spark.ui.enabled", "false")
        .config("spark.log.level", "ERROR")
        .config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir / 'derby'}")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )


def compare(work: Path) -> list[TableResult]:  # pragma: no cover - needs Java and PySpark
    import duckdb

    os.environ["TZ"] = "UTC"  # PySpark returns timestamps in the process's local time
    time.tzset()
    spark = spark_session(work)
    spark.sparkContext.setLogLevel("ERROR")
    # The view over the landing folder reads the same files the loader landed.
    results = []
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        for schema, table in relations(work):
            name = f"{schema}.{table}"
            duck = con.execute(f'select * from "{schema}"."{table}"')
            duck_columns = [column[0] for column in duck.description]
            duck_rows = duck.fetchall()
            if not spark.catalog.tableExists(name):
                missing = TableResult(name, schema in ROW_FOR_ROW_SCHEMAS)
                missing.problems.append("missing on Spark (did its model fail?)")
                results.append(missing)
                continue
            frame = spark.table(name)
            spark_rows = [tuple(row) for row in frame.collect()]
            results.append(
                compare_table(
                    name,
                    duck_columns,
                    duck_rows,
                    frame.columns,
                    spark_rows,
                    row_for_row=schema in ROW_FOR_ROW_SCHEMAS,
                    skipped=SKIPPED_COLUMNS,
                    unordered=UNORDERED_LISTS.get(name, frozenset()),
                    json_text=schema in JSON_TEXT_SCHEMAS,
                )
            )
    spark.stop()
    return results


def report(results: Sequence[TableResult]) -> int:
    print(f"\nDuckDB vs Spark, {len(results)} tables:")
    for result in results:
        print(result.line())
        for problem in result.problems:
            print(f"        {problem}")
    different = [result.name for result in results if not result.ok]
    if different:
        print(f"\nFAILED: {len(different)} of {len(results)} tables differ: {', '.join(different)}")
        return 1
    print(f"\nOK: all {len(results)} tables are the same on DuckDB and Spark.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - the make target
    parser = argparse.ArgumentParser(prog="python -m spark.parity", description=__doc__)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--visits", type=int, default=DEFAULT_VISITS)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--compare-only", action="store_true", help="compare the builds already in --work"
    )
    args = parser.parse_args(argv)
    work = args.work.resolve()
    started = time.monotonic()
    try:
        if not args.compare_only:
            build(work, args.visits, args.days, args.seed)
    except BuildFailed as exc:
        print(f"\nFAILED: {exc}")
        return 1
    status = report(compare(work))
    if not args.compare_only:
        for case in ("pretty-printed", "missing"):
            problem = check_spark_refuses(work, case)
            if problem:
                print(f"FAILED: {problem}")
                status = 1
    print(f"({time.monotonic() - started:.0f}s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
