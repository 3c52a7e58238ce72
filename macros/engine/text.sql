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

{# The length of a text in bytes (UTF-8). #}
{% macro lp_byte_length(text_expr) -%}
    {{ return(adapter.dispatch('lp_byte_length', 'liveperson_warehouse')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_byte_length(text_expr) -%}
    strlen(cast({{ text_expr }} as varchar))
{%- endmacro %}

{% macro spark__lp_byte_length(text_expr) -%}
    octet_length({{ text_expr }})
{%- endmacro %}

{#
    The distinct key names of a JSON text (every object, every depth), read from the
    text: a key is a quoted name followed by a colon (inside a JSON string a quote is
    escaped, so no value is read as a key).
#}
{% macro lp_json_key_names(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_key_names', 'liveperson_warehouse')(
        json_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_key_names(json_expr) -%}
    list_distinct(regexp_extract_all(
        cast({{ json_expr }} as varchar), '"([A-Za-z_][A-Za-z0-9_.$-]*)"\s*:', 1
    ))
{%- endmacro %}

{% macro spark__lp_json_key_names(json_expr) -%}
    array_distinct(regexp_extract_all(
        {{ json_expr }}, '"([A-Za-z_][A-Za-z0-9_.$-]*)"\\s*:', 1
    ))
{%- endmacro %}

{#
    How a customer id is compared, on both sides of every join (visits' CustomerInfo and
    the brand's membership list): without leading and trailing spaces, tabs, carriage
    returns and line feeds, lower-cased; null when nothing is left.
#}
{% macro lp_customer_key(text_expr) -%}
    {{ return(adapter.dispatch('lp_customer_key', 'liveperson_warehouse')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_customer_key(text_expr) -%}
    nullif(lower(trim(cast({{ text_expr }} as varchar), e' \t\r\n')), '')
{%- endmacro %}

{% macro spark__lp_customer_key(text_expr) -%}
    nullif(lower(regexp_replace(
        cast({{ text_expr }} as string), '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', ''
    )), '')
{%- endmacro %}

{# The same trimming for order ids (compared exactly, case included). #}
{% macro lp_order_key(text_expr) -%}
    {{ return(adapter.dispatch('lp_order_key', 'liveperson_warehouse')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_order_key(text_expr) -%}
    nullif(trim({{ text_expr }}, e' \t\r\n'), '')
{%- endmacro %}

{% macro spark__lp_order_key(text_expr) -%}
    nullif(regexp_replace({{ text_expr }}, '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', ''), '')
{%- endmacro %}
