{#
    Avro's JSON encoding wraps every union value in a one-key object naming its branch:
    {"string": "x"}, {"long": 1}, {"array": [...]}, {"com.liveperson.dataaccess.Goal": {...}}.
    These macros read through the wrappers, so models deal in values, never branches. They
    are built only on the engine macros in macros/engine/, so they work on every engine.
#}

{# The Avro primitive branch names, as a SQL list of strings. #}
{% macro lp_avro_primitive_branches() -%}
    'string', 'long', 'int', 'double', 'float', 'boolean', 'bytes', 'array', 'map'
{%- endmacro %}

{#
    Unwrapped JSON at a dotted `path` of field names below `json_expr`; every step may be
    wrapped or bare: lp_field('record', 'metaData.startTime').
#}
{% macro lp_field(json_expr, path) -%}
    {%- set ns = namespace(expr=lp_unwrap(json_expr)) -%}
    {%- for step in path.split('.') if step -%}
        {%- set ns.expr = lp_unwrap(lp_json_get(ns.expr, '$."' ~ step ~ '"')) -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}

{# Unwrapped scalar at `path` as text (null for JSON null or absent). #}
{% macro lp_text(json_expr, path) -%}
    {{ lp_json_text(lp_field(json_expr, path), '$') }}
{%- endmacro %}
