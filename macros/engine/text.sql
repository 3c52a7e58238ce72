{# Engine-specific text functions: regular expressions and hashing. #}

{# The first match of a regular expression in a text (the whole match), '' when none. #}
{% macro lp_regexp_extract(text_expr, pattern) -%}
    {{ return(adapter.dispatch('lp_regexp_extract', 'liveperson_warehouse')(
        text_expr, pattern
    )) }}
{%- endmacro %}

{% macro duckdb__lp_regexp_extract(text_expr, pattern) -%}
    regexp_extract({{ text_expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__lp_regexp_extract(text_expr, pattern) -%}
    regexp_extract({{ text_expr }}, '{{ pattern | replace('\\', '\\\\') }}', 0)
{%- endmacro %}

{# SHA-256 of a value's text as 64 lower-case hex digits; null stays null. #}
{% macro lp_sha256(expr) -%}
    {{ return(adapter.dispatch('lp_sha256', 'liveperson_warehouse')(expr)) }}
{%- endmacro %}

{% macro duckdb__lp_sha256(expr) -%}
    sha256(cast({{ expr }} as varchar))
{%- endmacro %}

{% macro spark__lp_sha256(expr) -%}
    sha2(cast({{ expr }} as string), 256)
{%- endmacro %}
