"""`adapter.dispatch(name, namespace)` for linting.

sqlfluff checks the layout of our source with the SQL our macros render. An engine macro
renders as its DuckDB implementation (`duckdb__<name>`), what `dbt compile` gives on the
default target; a macro without one (dbt's own) renders as a plain function call.
"""

import jinja2


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    implementation = context.resolve("duckdb__" + macro_name)
    if not isinstance(implementation, jinja2.Undefined):
        return implementation

    def as_function_call(*args):
        return f"{macro_name}({', '.join(str(arg) for arg in args)})"

    return as_function_call


def quote(identifier):
    """`adapter.quote`: DuckDB's double quotes."""
    return f'"{identifier}"'
