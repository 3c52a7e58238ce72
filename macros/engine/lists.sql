{#
    Engine-specific list (array) functions and unnesting. Lambda variable names are
    passed in as plain identifiers; prefix them (`lp_`) so that they cannot shadow a
    column.
#}

{#
    `body` (SQL text using the identifier `var`) with `var` bound to the value of
    `expr`, which is evaluated once however often `body` mentions it: a `let` for SQL
    expressions.
#}
{% macro lp_let(expr, var, body) -%}
    {{ return(adapter.dispatch('lp_let', 'liveperson_warehouse')(expr, var, body)) }}
{%- endmacro %}

{% macro duckdb__lp_let(expr, var, body) -%}
    list_transform([{{ expr }}], lambda {{ var }}: {{ body }})[1]
{%- endmacro %}

{% macro spark__lp_let(expr, var, body) -%}
    element_at(transform(array({{ expr }}), {{ var }} -> {{ body }}), 1)
{%- endmacro %}

{# The list made of `body` (SQL text using `var`) evaluated for each element `var`. #}
{% macro lp_list_transform(list_expr, var, body) -%}
    {{ return(adapter.dispatch('lp_list_transform', 'liveperson_warehouse')(
        list_expr, var, body
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_transform(list_expr, var, body) -%}
    list_transform({{ list_expr }}, lambda {{ var }}: {{ body }})
{%- endmacro %}

{% macro spark__lp_list_transform(list_expr, var, body) -%}
    transform({{ list_expr }}, {{ var }} -> {{ body }})
{%- endmacro %}

{# The elements `var` of a list for which `condition` (SQL text using `var`) is true. #}
{% macro lp_list_filter(list_expr, var, condition) -%}
    {{ return(adapter.dispatch('lp_list_filter', 'liveperson_warehouse')(
        list_expr, var, condition
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_filter(list_expr, var, condition) -%}
    list_filter({{ list_expr }}, lambda {{ var }}: {{ condition }})
{%- endmacro %}

{% macro spark__lp_list_filter(list_expr, var, condition) -%}
    filter({{ list_expr }}, {{ var }} -> {{ condition }})
{%- endmacro %}

{# The number of elements of a list (null for a null list). #}
{% macro lp_list_length(list_expr) -%}
    {{ return(adapter.dispatch('lp_list_length', 'liveperson_warehouse')(list_expr)) }}
{%- endmacro %}

{% macro duckdb__lp_list_length(list_expr) -%}
    len({{ list_expr }})
{%- endmacro %}

{% macro spark__lp_list_length(list_expr) -%}
    {#- Not size(): without ANSI mode it gives -1 for a null list. -#}
    array_size({{ list_expr }})
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

{# How many distinct elements two lists have in common. #}
{% macro lp_list_overlap_count(list_a, list_b) -%}
    {{ return(adapter.dispatch('lp_list_overlap_count', 'liveperson_warehouse')(
        list_a, list_b
    )) }}
{%- endmacro %}

{% macro duckdb__lp_list_overlap_count(list_a, list_b) -%}
    len(list_intersect({{ list_a }}, {{ list_b }}))
{%- endmacro %}

{% macro spark__lp_list_overlap_count(list_a, list_b) -%}
    array_size(array_intersect({{ list_a }}, {{ list_b }}))
{%- endmacro %}

{# Text split on a literal separator into a list of text. #}
{% macro lp_split(text_expr, separator) -%}
    {{ return(adapter.dispatch('lp_split', 'liveperson_warehouse')(
        text_expr, separator
    )) }}
{%- endmacro %}

{% macro duckdb__lp_split(text_expr, separator) -%}
    string_split({{ text_expr }}, '{{ separator }}')
{%- endmacro %}

{% macro spark__lp_split(text_expr, separator) -%}
    {#- split() takes a regular expression: quote the separator (\Q...\E). -#}
    split({{ text_expr }}, '\\Q{{ separator }}\\E', -1)
{%- endmacro %}

{#
    Select-list fragment that turns each row into one row per element of `list_expr`:
    the element as `item_alias` and its 1-based position in the list as
    `position_alias`. A null or empty list gives no rows, unless `keep_empty` is true:
    then it gives one row whose item is null (its position is 1; callers null it where
    it means nothing). Spark: `inline` over (item, 1-based position) structs.
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
    {#- posexplode counts from 0: inline() over (item, position + 1) structs gives the
        1-based position in the same select list. -#}
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
