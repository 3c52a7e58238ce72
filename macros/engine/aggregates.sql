{# Engine-specific aggregate and window functions. #}

{#
    The last non-null value of `expr` in the window frame (null when there is none):
    `last_value(... ignore nulls)`, whose syntax differs by engine. Followed by the
    caller's `over (...)`.
#}
{% macro lp_last_value_ignoring_nulls(expr) -%}
    {{ return(adapter.dispatch('lp_last_value_ignoring_nulls', 'liveperson_warehouse')(
        expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_last_value_ignoring_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__lp_last_value_ignoring_nulls(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}

{#
    The median of a money column (lp_money_type), interpolated between the two middle
    values. DuckDB computes it in the column's decimal type; Spark's percentile_cont
    computes a double, cast back to the money type so both round alike (58.895, not
    58.894999...).
#}
{% macro lp_money_median(expr) -%}
    {{ return(adapter.dispatch('lp_money_median', 'liveperson_warehouse')(expr)) }}
{%- endmacro %}

{% macro duckdb__lp_money_median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__lp_money_median(expr) -%}
    cast(
        percentile_cont(0.5) within group (order by {{ expr }}) as {{ lp_money_type() }}
    )
{%- endmacro %}

{#
    Money over a count, exactly, to the cent, half away from zero (an amount is never
    negative): both engines divide decimals as doubles, which can miss a cent on large
    sums, so this divides whole ten-thousandths. Null when the count is 0.
#}
{% macro lp_money_per(total_expr, count_expr) -%}
    {{ return(adapter.dispatch('lp_money_per', 'liveperson_warehouse')(
        total_expr, count_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_money_per(total_expr, count_expr) -%}
    case when {{ count_expr }} > 0 then cast(
        (cast({{ total_expr }} * 10000 as hugeint) + 50 * {{ count_expr }})
        // (100 * {{ count_expr }}) as decimal(18, 0)
    ) * cast(0.01 as decimal(3, 2)) end
{%- endmacro %}

{% macro spark__lp_money_per(total_expr, count_expr) -%}
    case when {{ count_expr }} > 0 then cast(
        (cast({{ total_expr }} * 10000 as decimal(38, 0)) + 50 * {{ count_expr }})
        div (100 * {{ count_expr }}) as decimal(18, 0)
    ) * cast(0.01 as decimal(3, 2)) end
{%- endmacro %}

{#
    The keyword that makes a CTE computed whole before the query that reads it (DuckDB's
    `as materialized`; Spark plans CTEs its own way and has no such keyword): a long
    chain of joins split into materialized steps holds one step's hash tables at a time.
#}
{% macro lp_materialized() -%}
    {{ return(adapter.dispatch('lp_materialized', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_materialized() -%}materialized{%- endmacro %}

{% macro spark__lp_materialized() -%}{%- endmacro %}
