{#
    Engine-specific JSON access. Models never call an engine's JSON functions directly: they
    call these, and each engine gets its own implementation through adapter.dispatch.
    Paths are JSONPath strings starting with `$`; keys containing dots must be quoted
    (`$."com.liveperson.dataaccess.MetaData"`).
#}

{# The JSON value at `path` (still JSON), or null when absent. #}
{% macro lp_json_get(json_expr, path) -%}
    {{ return(adapter.dispatch('lp_json_get', 'liveperson_warehouse')(json_expr, path)) }}
{%- endmacro %}

{% macro duckdb__lp_json_get(json_expr, path) -%}
    json_extract({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{# The scalar at `path` as text (strings unquoted), or null when absent or JSON null. #}
{% macro lp_json_text(json_expr, path) -%}
    {{ return(adapter.dispatch('lp_json_text', 'liveperson_warehouse')(json_expr, path)) }}
{%- endmacro %}

{% macro duckdb__lp_json_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{# The JSON type name of a value: OBJECT, ARRAY, VARCHAR, BIGINT, DOUBLE, BOOLEAN, NULL. #}
{% macro lp_json_type(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_type', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_json_type(json_expr) -%}
    json_type({{ json_expr }})
{%- endmacro %}

{#
    The value inside an Avro union wrapper, or the value itself when it is not wrapped (bare
    records, bare scalars, nulls). A one-key object counts as a wrapper when its key is a
    primitive branch name or a dotted (namespaced) type name; a record that happens to have
    one field (`{"url": ...}`) is not one. The value is bound once (a one-element list and a
    lambda), so nested unwrapping grows linearly, not exponentially, in SQL size.
#}
{% macro lp_unwrap(json_expr) -%}
    {{ return(adapter.dispatch('lp_unwrap', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_unwrap(json_expr) -%}
    list_transform([{{ json_expr }}], lambda v: case
        when json_type(v) = 'OBJECT' and len(json_keys(v)) = 1 and (
            json_keys(v)[1] in ({{ lp_avro_primitive_branches() }})
            or contains(json_keys(v)[1], '.')
        ) then json_extract(v, '$."' || json_keys(v)[1] || '"')
        else v
    end)[1]
{%- endmacro %}

{# The short (after the last dot), lower-cased name of a one-key object's key, else null. #}
{% macro lp_wrapper_type(json_expr) -%}
    {{ return(adapter.dispatch('lp_wrapper_type', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_wrapper_type(json_expr) -%}
    list_transform([{{ json_expr }}], lambda v: case
        when json_type(v) = 'OBJECT' and len(json_keys(v)) = 1
            then lower(regexp_extract(json_keys(v)[1], '[^.]*$'))
    end)[1]
{%- endmacro %}
