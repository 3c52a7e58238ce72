{#
    A LivePerson time as a UTC timestamp. The data carries epoch milliseconds (a JSON
    number, or digits in a string) and, where the reference documents a string, ISO-8601
    text such as `2016-06-30T13:15:04Z`; both become the same naive UTC timestamp.
    Anything else is null. The text is bound once (lp_let): it is usually a JSON
    extraction, not a column.
#}
{% macro lp_to_utc_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('lp_to_utc_timestamp', 'liveperson_warehouse')(
        text_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_to_utc_timestamp(text_expr) -%}
    {#- A zone-less ISO string is UTC (the reference documents UTC), whatever the
        session's time zone; one with Z or an offset is converted to UTC. -#}
    {{ lp_let(text_expr, 'lp_t', "case
        when regexp_full_match(lp_t, '-?[0-9]{1,16}')
            then make_timestamp(cast(lp_t as bigint) * 1000)
        when regexp_matches(lp_t, '(Z|[+-][0-9]{2}:?[0-9]{2})$')
            then timezone('UTC', try_cast(lp_t as timestamptz))
        else try_cast(lp_t as timestamp)
    end") }}
{%- endmacro %}

{% macro spark__lp_to_utc_timestamp(text_expr) -%}
    {#- Spark's timestamp is an instant shown in the session time zone, which the spark
        target sets to UTC (profiles.yml): then a zone-less string is read as UTC, and
        Z or an offset is converted, as on DuckDB. -#}
    {%- set body -%}
        case
            when lp_t rlike '^-?[0-9]{1,16}$'
                then timestamp_millis(cast(lp_t as bigint))
            else cast(lp_t as timestamp)
        end
    {%- endset -%}
    {{ lp_let(text_expr, 'lp_t', body) }}
{%- endmacro %}

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
