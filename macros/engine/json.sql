{#
    Engine-specific JSON access. Models never call an engine's JSON functions directly:
    they call these, and each engine gets its own implementation through
    adapter.dispatch. Paths are JSONPath strings starting with `$`; keys containing dots
    must be quoted (`$."com.liveperson.dataaccess.MetaData"`). DuckDB (`duckdb__`) and
    Spark (`spark__`) implement each one; another engine adds one `<adapter>__<name>`
    macro per entry here.

    Spark has no JSON type: JSON is text. Its get_json_object returns a string value
    unquoted, except for values matched under an array wildcard. So spark__lp_json_get
    reads `$[*]<path>` from the value put in a one-element array: strings keep their
    quotes, objects their key order, and the result is JSON text as DuckDB's. One
    difference: a JSON null is SQL null there (DuckDB: the JSON text `null`); every
    consumer (lp_unwrap, lp_json_text) treats both as no value.
#}

{#
    Spark: the JSONPath after `$` in get_json_object's syntax, for use inside a SQL
    string literal: every key becomes `[\'key\']` (so keys may contain dots). Anything
    but `$`, `$.a.b` and `$."a.b"` fails the compile, so a new form is not read wrongly.
#}
{% macro lp_spark_json_path(path) -%}
    {%- set rest = path[1:] if path.startswith('$') else '[' -%}
    {%- if rest.startswith('."') and rest.endswith('"') and rest.count('"') == 2 -%}
        {%- set steps = [rest[2:-1]] -%}
    {%- elif '"' not in rest and (rest == '' or rest.startswith('.')) -%}
        {%- set steps = rest[1:].split('.') if rest else [] -%}
    {%- else -%}
        {%- set steps = none -%}
    {%- endif -%}
    {%- if steps is none or "'" in rest or '[' in rest or '' in steps -%}
        {{ exceptions.raise_compiler_error('Unsupported JSONPath for Spark: ' ~ path) }}
    {%- endif -%}
    {%- for step in steps -%}
        {{ "[\\'" ~ step ~ "\\']" }}
    {%- endfor -%}
{%- endmacro %}

{# The JSON value at `path` (still JSON), or null when absent. #}
{% macro lp_json_get(json_expr, path) -%}
    {{ return(adapter.dispatch('lp_json_get', 'liveperson_warehouse')(
        json_expr, path
    )) }}
{%- endmacro %}

{% macro duckdb__lp_json_get(json_expr, path) -%}
    json_extract({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro spark__lp_json_get(json_expr, path) -%}
    get_json_object(
        '[' || {{ json_expr }} || ']', '$[*]{{ lp_spark_json_path(path) }}'
    )
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

{% macro spark__lp_json_get_key(json_expr, key_expr) -%}
    get_json_object(
        '[' || {{ json_expr }} || ']', '$[*][\'' || {{ key_expr }} || '\']'
    )
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

{% macro spark__lp_json_text(json_expr, path) -%}
    get_json_object({{ json_expr }}, '${{ lp_spark_json_path(path) }}')
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

{% macro spark__lp_json_type(json_expr) -%}
    {#- Spark has no json_type: the first character tells the type. -#}
    {%- set body -%}
        case
            when lp_j is null then null
            when lp_j rlike '^\\s*\\{' then 'OBJECT'
            when lp_j rlike '^\\s*\\[' then 'ARRAY'
            when lp_j rlike '^\\s*"' then 'VARCHAR'
            when lp_j rlike '^\\s*null\\s*$' then 'NULL'
            when lp_j rlike '^\\s*(true|false)\\s*$' then 'BOOLEAN'
            when lp_j rlike '^\\s*-?[0-9]+\\s*$' then 'BIGINT'
            else 'DOUBLE'
        end
    {%- endset -%}
    {{ lp_let(json_expr, 'lp_j', body) }}
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

{% macro spark__lp_json_keys(json_expr) -%}
    {#- json_object_keys is null for non-objects; DuckDB's json_keys is []. -#}
    {{ lp_let(json_expr, 'lp_j', "case when lp_j is not null then coalesce(
        json_object_keys(lp_j), cast(array() as array<string>)
    ) end") }}
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

{% macro spark__lp_json_array_items(json_expr) -%}
    {#- Each element read with the wildcard path (see the top of this file), so string
        elements keep their quotes; from_json only gives the count and positions. -#}
    {%- set body -%}
        case
            when left(lp_array, 16) rlike '^\\s*\\['
                then transform(
                    from_json(lp_array, 'array<string>'),
                    (lp_element, lp_index) -> get_json_object(
                        '[' || lp_array || ']', '$[*][' || lp_index || ']'
                    )
                )
        end
    {%- endset -%}
    {{ lp_let(json_expr, 'lp_array', body) }}
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

{% macro spark__lp_json_text_items(json_expr) -%}
    {%- set body -%}
        case
            when left(lp_array, 16) rlike '^\\s*\\['
                then from_json(lp_array, 'array<string>')
        end
    {%- endset -%}
    {{ lp_let(json_expr, 'lp_array', body) }}
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

{% macro spark__lp_unwrap(json_expr) -%}
    {#- As DuckDB: the first key (a prefix of the text) tells a possible wrapper; the
        key count proves it has one key, and its value is read by that key. -#}
    {%- set branches -%}
        {{ lp_avro_primitive_branch_list() | join('|') }}|[^"]*\\.[^"]*
    {%- endset -%}
    {%- set body -%}
        case
            when lp_v = 'null' then null
            when left(lp_v, 160) rlike '^\\s*\\{\\s*"({{ branches }})"\\s*:'
                then case
                    when array_size(json_object_keys(lp_v)) = 1
                        then {{ lp_json_get_key('lp_v', lp_first_key_text('lp_v')) }}
                    else lp_v
                end
            else lp_v
        end
    {%- endset -%}
    {{ lp_let(json_expr, 'lp_v', body) }}
{%- endmacro %}

{#
    Spark: the first key of a JSON object's text (read from the first 160 characters,
    without parsing), '' when the text does not start an object.
#}
{% macro lp_first_key_text(json_expr) -%}
    regexp_extract(left({{ json_expr }}, 160), '^\\s*\\{\\s*"([^"]*)"\\s*:', 1)
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

{% macro spark__lp_wrapper_name(json_expr) -%}
    {%- set body -%}
        case
            when contains(lp_first, '.') then lp_first
            when lp_first <> '' and array_size(json_object_keys(lp_v)) = 1
                then lp_first
        end
    {%- endset -%}
    {{ lp_let(json_expr, 'lp_v', lp_let(lp_first_key_text('lp_v'), 'lp_first', body)) }}
{%- endmacro %}
