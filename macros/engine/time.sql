{# Engine-specific dates and times. Timestamps are naive UTC on DuckDB, UTC on Spark. #}

{#
    A date from year, month and day numbers; null when any is null or the date is
    invalid.
#}
{% macro lp_make_date(year_expr, month_expr, day_expr) -%}
    {{ return(adapter.dispatch('lp_make_date', 'liveperson_warehouse')(
        year_expr, month_expr, day_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_make_date(year_expr, month_expr, day_expr) -%}
    try(make_date(
        cast({{ year_expr }} as bigint),
        cast({{ month_expr }} as bigint),
        cast({{ day_expr }} as bigint)
    ))
{%- endmacro %}

{% macro spark__lp_make_date(year_expr, month_expr, day_expr) -%}
    {#- Without ANSI mode (dbt-spark turns it off) make_date is null when invalid. -#}
    make_date(
        cast({{ year_expr }} as int),
        cast({{ month_expr }} as int),
        cast({{ day_expr }} as int)
    )
{%- endmacro %}

{#
    The wall-clock time of a UTC timestamp in the brand's reporting time zone (project
    variable `reporting_timezone`, an IANA name; default UTC), as a timestamp without
    zone: what the marts' dates and hour buckets are cut from.
#}
{% macro lp_reporting_time(timestamp_expr) -%}
    {{ return(adapter.dispatch('lp_reporting_time', 'liveperson_warehouse')(
        timestamp_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_reporting_time(timestamp_expr) -%}
    {%- set zone = var('reporting_timezone') -%}
    {%- if zone == 'UTC' -%}
        {{ timestamp_expr }}
    {%- else -%}
        timezone('{{ zone }}', timezone('UTC', {{ timestamp_expr }}))
    {%- endif -%}
{%- endmacro %}

{% macro spark__lp_reporting_time(timestamp_expr) -%}
    {%- set zone = var('reporting_timezone') -%}
    {%- if zone == 'UTC' -%}
        {{ timestamp_expr }}
    {%- else -%}
        from_utc_timestamp({{ timestamp_expr }}, '{{ zone }}')
    {%- endif -%}
{%- endmacro %}

{# The date of a UTC timestamp in the reporting time zone. #}
{% macro lp_reporting_date(timestamp_expr) -%}
    cast({{ lp_reporting_time(timestamp_expr) }} as date)
{%- endmacro %}
