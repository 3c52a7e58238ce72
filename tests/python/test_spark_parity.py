"""The DuckDB-vs-Spark comparison of `make test-spark` (spark/parity.py) can fail.

`make test-spark` proves that the engines agree; these tests prove that its comparison would
notice if they did not: a changed value, a lost or duplicated row, null against empty, a
missing column. They need neither Spark nor dbt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from spark.parity import TableResult, compare_table, report

COLUMNS = ["order_id", "order_total", "ordered_at", "product_ids", "segment"]
DUCKDB_ROWS = [
    ("o-1", Decimal("19.9900"), datetime(2026, 11, 1, 13, 0, 5, 468000), [1, 2], "gold"),
    ("o-2", Decimal("5.0000"), datetime(2026, 11, 1, 14, 0), [], None),
    ("o-3", Decimal("0.1000"), None, None, "premium"),
]


def spark_rows() -> list[list]:
    """The same rows as Spark returns them: other column order and case, other types."""
    return [
        ["gold", "o-1", 19.99, datetime(2026, 11, 1, 13, 0, 5, 468000), [1, 2]],
        [None, "o-2", Decimal("5"), datetime(2026, 11, 1, 14, 0), []],
        # 0.1 as a double summed in another order.
        ["premium", "o-3", 0.1 + 1e-12, None, None],
    ]


SPARK_COLUMNS = ["SEGMENT", "order_id", "order_total", "ordered_at", "product_ids"]


def compared(rows: list[list], columns: list[str] = SPARK_COLUMNS) -> TableResult:
    return compare_table("marts.fct_orders", COLUMNS, DUCKDB_ROWS, columns, rows)


def test_equal_tables_pass_whatever_the_engine_types_and_column_order() -> None:
    result = compared(spark_rows())
    assert result.ok, result.problems
    assert result.duckdb_rows == result.spark_rows == 3
    assert result.duckdb_checksum == result.spark_checksum
    assert result.line().lstrip().startswith("same")


def test_a_changed_value_fails_and_shows_both_rows() -> None:
    rows = spark_rows()
    rows[0][2] = 19.98
    result = compared(rows)
    assert not result.ok
    assert result.duckdb_checksum != result.spark_checksum
    assert "1 rows only on DuckDB, 1 rows only on Spark" in result.problems[0]
    shown = "\n".join(result.problems)
    assert '"order_total": "19.99"' in shown and '"order_total": "19.98"' in shown
    assert result.line().lstrip().startswith("DIFF")


def test_a_lost_or_duplicated_row_fails() -> None:
    lost = compared(spark_rows()[:2])
    assert not lost.ok and lost.spark_rows == 2
    duplicated = compared([*spark_rows(), spark_rows()[2]])
    assert not duplicated.ok
    assert "0 rows only on DuckDB, 1 rows only on Spark" in duplicated.problems[0]


def test_differences_below_six_decimal_places_pass_and_above_fail() -> None:
    rows = spark_rows()
    rows[2][2] = 0.1000004
    assert compared(rows).ok
    rows[2][2] = 0.100002
    assert not compared(rows).ok


def test_a_timestamp_off_by_a_microsecond_or_a_zone_fails() -> None:
    rows = spark_rows()
    rows[1][3] = datetime(2026, 11, 1, 14, 0, 0, 1)
    assert not compared(rows).ok
    rows[1][3] = datetime(2026, 11, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    assert compared(rows).ok  # the same instant, as UTC
    rows[1][3] = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    assert not compared(rows).ok


def test_null_and_empty_are_not_the_same() -> None:
    rows = spark_rows()
    rows[1][0] = ""  # segment: null on DuckDB
    assert not compared(rows).ok
    rows = spark_rows()
    rows[1][4] = None  # product_ids: [] on DuckDB
    assert not compared(rows).ok
    rows = spark_rows()
    rows[0][4] = [2, 1]  # list order counts
    assert not compared(rows).ok


def test_a_missing_or_extra_column_fails() -> None:
    rows = [row[:-1] for row in spark_rows()]
    result = compared(rows, SPARK_COLUMNS[:-1])
    assert not result.ok
    assert "only DuckDB ['product_ids']" in result.problems[0]


def test_dates_and_structs_compare_by_value() -> None:
    duck = [(date(2026, 11, 1), {"a": 1, "b": "x"})]
    spark = [(date(2026, 11, 1), {"b": "x", "a": Decimal("1.0")})]
    assert compare_table("t", ["d", "s"], duck, ["d", "s"], spark).ok
    spark = [(date(2026, 11, 2), {"b": "x", "a": 1})]
    assert not compare_table("t", ["d", "s"], duck, ["d", "s"], spark).ok


def test_report_exits_non_zero_when_any_table_differs(capsys) -> None:
    same = compared(spark_rows())
    changed_rows = spark_rows()
    changed_rows[0][1] = "o-9"
    different = compared(changed_rows)
    assert report([same]) == 0
    assert report([same, different]) == 1
    printed = capsys.readouterr().out
    assert "FAILED: 1 of 2 tables differ: marts.fct_orders" in printed
    assert "o-9" in printed


def test_skipped_columns_must_exist_on_both_but_are_not_compared() -> None:
    duck = [("v-1", datetime(2026, 11, 1, 13, 0))]
    spark = [("v-1", datetime(2026, 11, 2, 9, 30))]  # Spark rebuilt the table later
    columns = ["visit_id", "changed_at"]
    assert not compare_table("t", columns, duck, columns, spark).ok
    assert compare_table("t", columns, duck, columns, spark, skipped={"changed_at"}).ok
    other = [("v-2", datetime(2026, 11, 1, 13, 0))]
    assert not compare_table("t", columns, duck, columns, other, skipped={"changed_at"}).ok
    missing = compare_table("t", columns, duck, ["visit_id"], [("v-1",)], skipped={"changed_at"})
    assert not missing.ok and "only DuckDB ['changed_at']" in missing.problems[0]


def test_unordered_lists_compare_as_sorted_lists_only_where_said() -> None:
    duck = [("r-1", ["visitId", "body", "header"])]
    permuted = [("r-1", ["header", "visitId", "body"])]
    columns = ["id", "names"]
    assert not compare_table("t", columns, duck, columns, permuted).ok
    assert compare_table("t", columns, duck, columns, permuted, unordered={"names"}).ok
    lost = [("r-1", ["header", "visitId"])]
    assert not compare_table("t", columns, duck, columns, lost, unordered={"names"}).ok
    repeated = [("r-1", ["header", "visitId", "body", "body"])]
    assert not compare_table("t", columns, duck, columns, repeated, unordered={"names"}).ok


def test_json_texts_compare_by_the_values_the_models_read_where_said() -> None:
    """DuckDB prints a parsed double as Python does and keeps a number beyond the double range
    as sent; Spark's JSON writer prints Java's notation and quotes the kept number."""
    duck = [('{"total":{"double":1e400},"n":{"int":8}}', ['{"double":123456789.12345679}'], "x")]
    spark = [
        ('{"total":{"double":"1e400"},"n":{"int":8}}', ['{"double":1.2345678912345679E8}'], "x")
    ]
    columns = ["attribute_json", "payloads", "text"]
    assert not compare_table("t", columns, duck, columns, spark).ok
    assert compare_table("t", columns, duck, columns, spark, json_text=True).ok
    for changed in (
        ('{"total":{"double":"1e401"},"n":{"int":8}}', ['{"double":1.2345678912345679E8}'], "x"),
        ('{"total":{"double":"1e400"},"n":{"int":9}}', ['{"double":1.2345678912345679E8}'], "x"),
        ('{"total":{"double":"1e400"},"n":{"int":8}}', ['{"double":1.2345678912345678E8}'], "x"),
        ('{"total":{"double":"1e400"},"n":{"int":8}}', ['{"double":1.2345678912345679E8}'], "y"),
        ('{"total":{"double":"1e400"}}', ['{"double":1.2345678912345679E8}'], "x"),
    ):
        assert not compare_table("t", columns, duck, columns, [changed], json_text=True).ok
    # Text that only looks like JSON stays text.
    assert not compare_table(
        "t", ["s"], [("{not json",)], ["s"], [("{not json }",)], json_text=True
    ).ok
