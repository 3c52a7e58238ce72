"""`make shell` and `make aov`: the pinned DuckDB CLI reads the warehouse file dbt wrote.

The Python duckdb that dbt uses and the `duckdb` command from the duckdb-cli package must agree
on the storage format (see the toolchain notes): these tests run the real CLI binary of this
venv, read-only as `make shell` opens it, on a warehouse the build just wrote.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]
pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def readme_queries() -> dict[str, str]:
    """The statements of the README's `make shell` SQL block, as written."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("### SQL: `make shell`") :]
    block = re.search(r"```sql\n(.*?)```", section, flags=re.S)
    assert block, "README.md has no SQL block under 'SQL: `make shell`'"
    sql = "\n".join(line for line in block.group(1).splitlines() if not line.startswith("--"))
    statements = [text.strip() for text in sql.split(";")]
    # Named by position and the relation they read: readme-0-marts.mart_aov_by_membership_segment.
    relation = re.compile(r"\bfrom (\S+)")
    return {
        f"readme-{i}-{relation.search(text).group(1)}": text
        for i, text in enumerate(statements)
        if text
    }


# The README's queries, and two more a user of the CLI would run; each must run on a freshly
# built warehouse.
README_QUERIES = {
    **readme_queries(),
    "tables": """
        select table_schema, table_name, table_type
        from information_schema.tables
        order by all;
    """,
    "raw_json": """
        select file_name, line_number,
            json_extract_string(record, '$.metaData') as meta_data
        from raw.web_sessions
        limit 3;
    """,
}


def cli(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    assert DUCKDB_CLI.exists(), f"the duckdb-cli package is not installed beside {sys.executable}"
    return subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-bail", str(warehouse), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_aov_prints_the_table_through_the_cli(built_project: BuiltProject) -> None:
    command = ["make", "--no-print-directory", "-s", "aov"]
    overrides = [f"WAREHOUSE_PATH={built_project.warehouse}", f"BIN={DUCKDB_CLI.parent}"]
    result = subprocess.run(
        [*command, *overrides],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = ANSI.sub("", result.stdout)
    for heading in ("customer_segment", "average_order_value", "median_order_value"):
        assert heading in out
    for segment in ("identified non-member", "anonymous"):
        assert segment in out


def test_cli_reads_what_dbt_wrote(built_project: BuiltProject) -> None:
    """Same numbers through the CLI as through the Python duckdb dbt used."""
    query = (
        "select sum(revenue)::varchar, sum(order_count)::varchar "
        "from marts.mart_aov_by_membership_segment"
    )
    result = cli(built_project.warehouse, "-csv", "-noheader", "-c", query)
    assert result.returncode == 0, result.stderr
    revenue, orders = result.stdout.strip().split(",")
    with duckdb.connect(str(built_project.warehouse), read_only=True) as con:
        expected = con.execute("select sum(order_total), count(*) from marts.fct_orders").fetchone()
    assert expected is not None
    assert Decimal(revenue) == expected[0]
    assert int(orders) == expected[1] > 0


@pytest.mark.parametrize("name", sorted(README_QUERIES))
def test_readme_queries_run(built_project: BuiltProject, name: str) -> None:
    result = cli(built_project.warehouse, "-c", README_QUERIES[name])
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr


def test_shell_is_read_only(built_project: BuiltProject) -> None:
    result = cli(built_project.warehouse, "-c", "create table marts.scratch as select 1 as x")
    assert result.returncode != 0
    assert "read-only" in result.stderr.lower()
