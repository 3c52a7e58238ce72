{#
    Engine-specific JSON access. Models never call an engine's JSON functions directly:
    they call these, and each engine gets its own implementation through
    adapter.dispatch. Paths are JSONPath strings starting with `$`; keys containing dots
    must be quoted (`$."com.liveperson.dataaccess.MetaData"`). Only DuckDB is
    implemented so far; a Spark implementation is one `spark__<name>` macro per entry
    here.
#}

{# The JSON value at `path` (still JSON), or null when absent. #}
{% macro lp_json_get(json_expr, path) -%}
    {{ return(adapter.dispatch('lp_json_get', 'liveperson_warehouse')(
        json_expr, path
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_get(json_expr, path) -%}
    json_extract({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{#
    The JSON value of the member named by the SQL text expression `key_expr` (a key
    known only at run time, such as a union branch read from the data), or null when
    absent.
#}
{% macro lp_json_get_key(json_expr, key_expr) -%}
    {{ return(adapter.dispatch('lp_json_get_key', 'liveperson_warehouse')(
        json_expr, key_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_get_key(json_expr, key_expr) -%}
    json_extract({{ json_expr }}, '$."' || {{ key_expr }} || '"')
{%- endmacro %}

{# The scalar at `path` as text (strings unquoted), or null when absent or JSON null. #}
{% macro lp_json_text(json_expr, path) -%}
    {{ return(adapter.dispatch('lp_json_text', 'liveperson_warehouse')(
        json_expr, path
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{#
    The JSON type name of a value: OBJECT, ARRAY, VARCHAR, BIGINT, DOUBLE, BOOLEAN,
    NULL.
#}
{% macro lp_json_type(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_type', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_json_type(json_expr) -%}
    json_type({{ json_expr }})
{%- endmacro %}

{#
    The keys of a JSON object as a list of text, in document order; empty for
    non-objects.
#}
{% macro lp_json_keys(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_keys', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_json_keys(json_expr) -%}
    json_keys({{ json_expr }})
{%- endmacro %}

{#
    The elements of a JSON array as a list of JSON values, in order. Null when the value
    is not an array (JSON null, absent, a scalar or an object): unnesting it gives no
    rows.
#}
{% macro lp_json_array_items(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_array_items', 'liveperson_warehouse')(
        json_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_array_items(json_expr) -%}
    {#- `$[*]` gives [] for non-arrays; a text test tells null from [], unparsed. -#}
    {{ lp_let(json_expr, 'lp_array', "case
        when regexp_matches(left(lp_array, 16), '^\\s*\\[')
            then json_extract(lp_array, '$[*]')
    end") }}
{%- endmacro %}

{#
    The elements of a JSON array of scalars as a list of text (JSON nulls stay null
    elements). Null when the value is not an array, so a null list and an empty list
    differ.
#}
{% macro lp_json_text_items(json_expr) -%}
    {{ return(adapter.dispatch('lp_json_text_items', 'liveperson_warehouse')(
        json_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_text_items(json_expr) -%}
    {{ lp_let(json_expr, 'lp_array', "case
        when regexp_matches(left(lp_array, 16), '^\\s*\\[')
            then json_extract_string(lp_array, '$[*]')
    end") }}
{%- endmacro %}

{#
    The value inside an Avro union wrapper, or the value itself when it is not wrapped
    (bare records, bare scalars). A one-key object counts as a wrapper when its key is a
    primitive branch name or a dotted (namespaced) type name; a record that happens to
    have one field (`{"url": ...}`) is not one. JSON null becomes SQL null, so `is null`
    means "no value" whatever the encoding. The value is bound once (lp_let style), so
    nested unwrapping grows linearly, not exponentially, in SQL size; bare values are
    not parsed, wrappers once.
#}
{% macro lp_unwrap(json_expr) -%}
    {{ return(adapter.dispatch('lp_unwrap', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_unwrap(json_expr) -%}
    {#- The branch test reads only the value's first key (a prefix of its text), so
        bare values are not parsed at all; `$.*` then gives the inner value and, by its
        length, proves that the object has one key. -#}
    list_transform([{{ json_expr }}], lambda lp_v: case
        when lp_v = 'null' then null
        when regexp_matches(
            left(lp_v, 160),
            '^\s*\{\s*"({{ lp_avro_primitive_branch_list() | join('|') }}'
            || '|[^"]*\.[^"]*)"\s*:'
        ) then list_transform([json_extract(lp_v, '$.*')], lambda lp_values: case
            when len(lp_values) = 1 then nullif(lp_values[1], 'null')
            else lp_v
        end)[1]
        else lp_v
    end)[1]
{%- endmacro %}

{#
    The key of a one-key object as written (for a union wrapper: the branch, such as
    `com.liveperson.dataaccess.Goal`), else null.
#}
{% macro lp_wrapper_name(json_expr) -%}
    {{ return(adapter.dispatch('lp_wrapper_name', 'liveperson_warehouse')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_wrapper_name(json_expr) -%}
    {#- A dotted first key is a branch (Avro field names have no dots): no parse. -#}
    list_transform([{{ json_expr }}], lambda lp_v: list_transform(
        [regexp_extract(left(lp_v, 160), '^\s*\{\s*"([^"]*)"\s*:', 1)],
        lambda lp_first: case
            when contains(lp_first, '.') then lp_first
            when lp_first <> '' and len(json_keys(lp_v)) = 1 then lp_first
        end
    )[1])[1]
{%- endmacro %}
