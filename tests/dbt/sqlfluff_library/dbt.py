"""dbt's cross-database macros (`dbt.type_string()`, `dbt.datediff(...)`) for linting.

Types render as dbt-duckdb renders them; any other macro renders as a plain function call,
which is all sqlfluff needs to parse the code around it.
"""

TYPES = {
    "type_string": "varchar",
    "type_timestamp": "timestamp",
    "type_int": "integer",
    "type_bigint": "bigint",
    "type_float": "double",
    "type_numeric": "numeric(28, 6)",
    "type_boolean": "boolean",
}


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in TYPES:
        return lambda: TYPES[name]
    return lambda *args, **kwargs: f"{name}({', '.join(str(arg) for arg in args)})"
