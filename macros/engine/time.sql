{#
    A LivePerson time as a UTC timestamp. The data carries epoch milliseconds (a JSON number,
    or digits in a string) and, where the reference documents a string, ISO-8601 text such as
    `2016-06-30T13:15:04Z`; both become the same naive UTC timestamp. Anything else is null.
#}
{% macro lp_to_utc_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('lp_to_utc_timestamp', 'liveperson_warehouse')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_to_utc_timestamp(text_expr) -%}
    case
        when regexp_full_match({{ text_expr }}, '-?[0-9]{1,16}')
            then make_timestamp(cast({{ text_expr }} as bigint) * 1000)
        {#- A zone-less ISO string is UTC (the reference documents UTC), whatever the
            session's time zone; one with Z or an offset is converted to UTC. -#}
        when regexp_matches({{ text_expr }}, '(Z|[+-][0-9]{2}:?[0-9]{2})$')
            then timezone('UTC', try_cast({{ text_expr }} as timestamptz))
        else try_cast({{ text_expr }} as timestamp)
    end
{%- endmacro %}
