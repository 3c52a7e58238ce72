{#
    Engine-specific SQL for nested data: typed JSON parsing, the parse types, lists,
    structs and Avro unions read as maps. Each macro dispatches to a `duckdb__` and a
    `spark__` implementation; another engine adds its own.
#}

{# The typed reading of JSON text `json_expr` as a struct of `fields` ((name, type)). #}
{% macro lp_parse_json(json_expr, fields) -%}
    {{ return(adapter.dispatch('lp_parse_json', 'liveperson_warehouse')(
        json_expr, fields
    )) }}
{%- endmacro %}

{% macro duckdb__lp_parse_json(json_expr, fields) -%}
    {%- set structure = {} -%}
    {%- for name, type in fields -%}
        {%- do structure.update({name: type}) -%}
    {%- endfor -%}
    json_transform({{ json_expr }}, '{{ tojson(structure) }}')
{%- endmacro %}

{#
    Spark reads a JSON number beyond the double range (1e400) as infinity and prints it
    as "Infinity", where DuckDB keeps the text it was sent as: so each such number that
    is a key's value (Avro's `{"double": 1e400}`; the quote before the colon is not
    escaped, so never text inside a JSON string) is made a JSON string of that text
    before parsing. Records without a number of three exponent digits are not changed.
#}
{% macro spark__lp_parse_json(json_expr, fields) -%}
    {%- set key -%}(?<!\\\\)"[ \\t\\r\\n]*:[ \\t\\r\\n]*{%- endset -%}
    from_json(aggregate(
        filter(
            regexp_extract_all(
                {{ json_expr }},
                '{{ key }}(-?[0-9][0-9.]*[eE][+]?[0-9]{3,})(?![0-9])',
                1
            ),
            lp_number -> abs(cast(lp_number as double)) = cast('Infinity' as double)
        ),
        {{ json_expr }},
        (lp_json, lp_number) -> regexp_replace(
            lp_json,
            '({{ key }})\\Q' || lp_number || '\\E(?![0-9])',
            '$1"' || lp_number || '"'
        )
    ), '{{ lp_struct_type(fields) }}')
{%- endmacro %}

{# Parse types: text, a list, a map from text, a struct of (name, type) fields. #}
{% macro lp_text_type() -%}
    {{ return(adapter.dispatch('lp_text_type', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_text_type() -%}VARCHAR{%- endmacro %}

{% macro spark__lp_text_type() -%}string{%- endmacro %}

{% macro lp_list_type(item_type) -%}
    {{ return(adapter.dispatch('lp_list_type', 'liveperson_warehouse')(item_type)) }}
{%- endmacro %}

{% macro duckdb__lp_list_type(item_type) -%}{{ item_type }}[]{%- endmacro %}

{% macro spark__lp_list_type(item_type) -%}array<{{ item_type }}>{%- endmacro %}

{% macro lp_map_type(value_type) -%}
    {{ return(adapter.dispatch('lp_map_type', 'liveperson_warehouse')(value_type)) }}
{%- endmacro %}

{% macro duckdb__lp_map_type(value_type) -%}
    MAP(VARCHAR, {{ value_type }})
{%- endmacro %}

{% macro spark__lp_map_type(value_type) -%}map<string, {{ value_type }}>{%- endmacro %}

{% macro lp_struct_type(fields) -%}
    {{ return(adapter.dispatch('lp_struct_type', 'liveperson_warehouse')(fields)) }}
{%- endmacro %}

{% macro duckdb__lp_struct_type(fields) -%}
    STRUCT(
    {%- for name, type in fields -%}
        "{{ name }}" {{ type }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    )
{%- endmacro %}

{% macro spark__lp_struct_type(fields) -%}
    struct<
    {%- for name, type in fields -%}
        `{{ name }}`: {{ type }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    >
{%- endmacro %}

{# A struct value from (name, SQL expression) pairs. #}
{% macro lp_struct(fields) -%}
    {{ return(adapter.dispatch('lp_struct', 'liveperson_warehouse')(fields)) }}
{%- endmacro %}

{% macro duckdb__lp_struct(fields) -%}
    { {%- for name, expression in fields -%}
        '{{ name }}': {{ expression }}{{ ', ' if not loop.last }}
    {%- endfor -%} }
{%- endmacro %}

{% macro spark__lp_struct(fields) -%}
    named_struct( {%- for name, expression in fields -%}
        '{{ name }}', {{ expression }}{{ ', ' if not loop.last }}
    {%- endfor -%} )
{%- endmacro %}

{#
    An Avro union read as a map {branch: value} (lp_parse_type): its value, whatever its
    type (lp_text and the typed lp_* functions do the same for scalars), and its branch
    name (for a record, the type name it was sent under).
#}
{% macro lp_union_value(union_expr) -%}
    {{ return(adapter.dispatch('lp_union_value', 'liveperson_warehouse')(union_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_union_value(union_expr) -%}lp_value({{ union_expr }}){%- endmacro %}

{% macro spark__lp_union_value(union_expr) -%}
    map_values({{ union_expr }})[0]
{%- endmacro %}

{% macro lp_union_branch(union_expr) -%}
    {{ return(adapter.dispatch('lp_union_branch', 'liveperson_warehouse')(
        union_expr
    )) }}
{%- endmacro %}

{% macro duckdb__lp_union_branch(union_expr) -%}
    lp_branch({{ union_expr }})
{%- endmacro %}

{% macro spark__lp_union_branch(union_expr) -%}
    map_keys({{ union_expr }})[0]
{%- endmacro %}

{#
    Lists: each element `var` turned into `body` (SQL using `var`), the elements for
    which `condition` holds, and a list of lists made one (null inner lists skipped).
#}
{% macro lp_list_transform(list_expr, var, body) -%}
    {{ return(adapter.dispatch('lp_list_transform', 'liveperson_warehouse')(
        list_expr, var, body
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_transform(list_expr, var, body) -%}
    list_transform({{ list_expr }}, lambda {{ var }}: {{ body }})
{%- endmacro %}

{% macro spark__lp_list_transform(list_expr, var, body) -%}
    transform({{ list_expr }}, {{ var }} -> {{ lp_spark_inline_functions(body) }})
{%- endmacro %}

{% macro lp_list_filter(list_expr, var, condition) -%}
    {{ return(adapter.dispatch('lp_list_filter', 'liveperson_warehouse')(
        list_expr, var, condition
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_filter(list_expr, var, condition) -%}
    list_filter({{ list_expr }}, lambda {{ var }}: {{ condition }})
{%- endmacro %}

{% macro spark__lp_list_filter(list_expr, var, condition) -%}
    filter({{ list_expr }}, {{ var }} -> {{ lp_spark_inline_functions(condition) }})
{%- endmacro %}

{% macro lp_list_flatten(list_expr) -%}
    {{ return(adapter.dispatch('lp_list_flatten', 'liveperson_warehouse')(list_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_list_flatten(list_expr) -%}flatten({{ list_expr }}){%- endmacro %}

{% macro spark__lp_list_flatten(list_expr) -%}
    flatten(filter({{ list_expr }}, lp_inner -> lp_inner is not null))
{%- endmacro %}

{#
    Select-list fragment that turns each row into one row per element of `list_expr`:
    the element as `item_alias` and its 1-based position as `position_alias`. A null or
    empty list gives no rows, unless `keep_empty`: then one row whose item is null (and
    position 1: callers null it where it means nothing).
#}
{% macro lp_unnest(list_expr, item_alias, position_alias, keep_empty=false) -%}
    {{ return(adapter.dispatch('lp_unnest', 'liveperson_warehouse')(
        list_expr, item_alias, position_alias, keep_empty
    )) }}
{%- endmacro %}

{% macro duckdb__lp_unnest(list_expr, item_alias, position_alias, keep_empty=false) -%}
    {%- if keep_empty -%}
        {%- set list_expr = 'case when len(' ~ list_expr ~ ') > 0 then ' ~ list_expr
            ~ ' else [null] end' -%}
    {%- endif -%}
    unnest({{ list_expr }}) as {{ item_alias }},
    generate_subscripts({{ list_expr }}, 1) as {{ position_alias }}
{%- endmacro %}

{% macro spark__lp_unnest(list_expr, item_alias, position_alias, keep_empty=false) -%}
    {%- if keep_empty -%}
        {%- set list_expr = 'case when array_size(' ~ list_expr ~ ') > 0 then '
            ~ list_expr ~ ' else array(null) end' -%}
    {%- endif -%}
    inline(transform(
        {{ list_expr }},
        (lp_element, lp_index) -> named_struct(
            '{{ item_alias }}', lp_element,
            '{{ position_alias }}', cast(lp_index + 1 as bigint)
        )
    ))
{%- endmacro %}

{# The element at 1-based `position` of a list, null beyond its end. #}
{% macro lp_list_element(list_expr, position) -%}
    {{ return(adapter.dispatch('lp_list_element', 'liveperson_warehouse')(
        list_expr, position
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_element(list_expr, position) -%}
    ({{ list_expr }})[{{ position }}]
{%- endmacro %}

{% macro spark__lp_list_element(list_expr, position) -%}
    try_element_at({{ list_expr }}, {{ position }})
{%- endmacro %}

{# A list of the SQL expressions `items`. #}
{% macro lp_list_of(items) -%}
    {{ return(adapter.dispatch('lp_list_of', 'liveperson_warehouse')(items)) }}
{%- endmacro %}

{% macro duckdb__lp_list_of(items) -%}[{{ items | join(', ') }}]{%- endmacro %}

{% macro spark__lp_list_of(items) -%}array({{ items | join(', ') }}){%- endmacro %}

{#
    An empty list of `item_type` (DuckDB's `[]` takes its type from its use; Spark's
    `array()` has none).
#}
{% macro lp_empty_list(item_type) -%}
    {{ return(adapter.dispatch('lp_empty_list', 'liveperson_warehouse')(item_type)) }}
{%- endmacro %}

{% macro duckdb__lp_empty_list(item_type) -%}[]{%- endmacro %}

{% macro spark__lp_empty_list(item_type) -%}
    cast(array() as {{ lp_list_type(item_type) }})
{%- endmacro %}

{# The number of elements of a list (null for a null list). #}
{% macro lp_list_length(list_expr) -%}
    {{ return(adapter.dispatch('lp_list_length', 'liveperson_warehouse')(list_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_list_length(list_expr) -%}len({{ list_expr }}){%- endmacro %}

{% macro spark__lp_list_length(list_expr) -%}
    {#- Not size(): without ANSI mode it gives -1 for a null list. -#}
    array_size({{ list_expr }})
{%- endmacro %}

{# The parse type of a value kept as JSON text. #}
{% macro lp_json_type() -%}
    {{ return(adapter.dispatch('lp_json_type', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_json_type() -%}JSON{%- endmacro %}

{% macro spark__lp_json_type() -%}string{%- endmacro %}

{# The typed reading of JSON text `json_expr` as a value of parse type `parse_type`. #}
{% macro lp_parse_as(json_expr, parse_type) -%}
    {{ return(adapter.dispatch('lp_parse_as', 'liveperson_warehouse')(
        json_expr, parse_type
    )) }}
{%- endmacro %}

{% macro duckdb__lp_parse_as(json_expr, parse_type) -%}
    json_transform({{ json_expr }}, '{{ tojson(parse_type) }}')
{%- endmacro %}

{% macro spark__lp_parse_as(json_expr, parse_type) -%}
    from_json({{ json_expr }}, '{{ parse_type }}')
{%- endmacro %}
