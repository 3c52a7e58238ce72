"""`adapter.dispatch(name, namespace)` for linting.

sqlfluff checks the layout of our source; code a macro renders is not reported. So engine
macros render as plain function calls (`lp_list_length(x)`), which keeps the rendered SQL small
and the lint fast; select-list fragments (lp_unnest) render as dbt-duckdb would render them.
"""

import jinja2

# Arguments that the engine macros put inside SQL quotes (JSONPaths, separators, patterns).
QUOTED_ARGUMENTS = {
    "lp_regexp_extract": {1},
}
# Macros that render more than one expression: use their DuckDB implementation.
REAL_IMPLEMENTATION = {"lp_unnest"}


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    if macro_name in REAL_IMPLEMENTATION:
        return context.resolve("duckdb__" + macro_name)
    quoted = QUOTED_ARGUMENTS.get(macro_name, set())

    def as_function_call(*args):
        parts = [f"'{arg}'" if index in quoted else str(arg) for index, arg in enumerate(args)]
        return f"{macro_name}({', '.join(parts)})"

    return as_function_call
