"""The marts are a stable interface: a change to a mart's shape fails the build with dbt's
contract message, and the table analysts read stays as it was.

Each case edits a copy of the project (never the working tree), then runs the edited mart
against a copy of the session's built warehouse.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]
pytestmark = pytest.mark.slow

MART = "mart_aov_by_membership_segment"


def columns(warehouse: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [MART],
        ).fetchall()


@pytest.mark.parametrize(
    ("edit", "column", "reason"),
    [
        # A column's type changes: int becomes a double.
        (
            (
                "as int\n        ) as segment_sort_order",
                "as double\n        ) as segment_sort_order",
            ),
            "segment_sort_order",
            "data type mismatch",
        ),
        # A column is renamed: the contract's name is missing from the model.
        (("as average_order_value,", "as aov,"), "average_order_value", "missing in definition"),
    ],
    ids=["type", "name"],
)
def test_a_change_to_a_marts_shape_fails_with_the_contract_message(
    built_project: BuiltProject, tmp_path: Path, edit: tuple[str, str], column: str, reason: str
) -> None:
    # Imported here: pytest loads conftest_build as a plugin (pytest_plugins) first.
    from tests.python.conftest_build import BuiltProject, copy_project

    project = tmp_path / "project"
    copy_project(project)
    model = project / "models" / "marts" / f"{MART}.sql"
    before, after = edit
    sql = model.read_text(encoding="utf-8")
    assert sql.count(before) == 1, f"the edit no longer matches {model.name}: {before!r}"
    model.write_text(sql.replace(before, after), encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(built_project.warehouse, warehouse)
    shape = columns(warehouse)

    edited = BuiltProject(
        project,
        warehouse,
        project / "target",
        {**built_project.env, "WAREHOUSE_PATH": str(warehouse), "DBT_PROFILES_DIR": str(project)},
    )
    result = edited.run(
        [Path(sys.executable).with_name("dbt"), "run", "--no-use-colors", "--select", MART],
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "This model has an enforced contract that failed" in output, output[-3000:]
    assert column in output and reason in output, output[-3000:]
    assert columns(warehouse) == shape  # the mart analysts read is untouched
