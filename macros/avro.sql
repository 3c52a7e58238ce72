{#
    Avro's JSON encoding wraps every union value in a one-key object naming its branch:
    {"string": "x"}, {"long": 1}, {"array": [...]}, {"com.liveperson.dataaccess.Goal":
    {...}}. These macros read through the wrappers, so models deal in values, never
    branches. They are built only on the engine macros in macros/engine/, so they work
    on every engine. Paths are dotted field names (`metaData.startTime`); every step may
    be wrapped or bare.
#}

{# The Avro branch names that are not type names (primitives, array, map), as a list. #}
{% macro lp_avro_primitive_branch_list() -%}
    {{ return(
        ['string', 'long', 'int', 'double', 'float', 'boolean', 'bytes', 'array', 'map']
    ) }}
{%- endmacro %}

{# The same names as a SQL list of strings, for `in (...)`. #}
{% macro lp_avro_primitive_branches() -%}
    '{{ lp_avro_primitive_branch_list() | join("', '") }}'
{%- endmacro %}

{#
    Unwrapped JSON at a dotted `path` of field names below `json_expr` (the root is
    unwrapped too; an empty path gives the unwrapped root): lp_field('record',
    'metaData.startTime'). JSON null and absent fields give SQL null.
#}
{% macro lp_field(json_expr, path='') -%}
    {%- set ns = namespace(expr=lp_unwrap(json_expr)) -%}
    {%- for step in path.split('.') if step -%}
        {%- set ns.expr = lp_unwrap(lp_json_get(ns.expr, '$."' ~ step ~ '"')) -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}

{# Unwrapped scalar at `path` as text (null for JSON null or absent). #}
{% macro lp_text(json_expr, path='') -%}
    {{ lp_json_text(lp_field(json_expr, path), '$') }}
{%- endmacro %}

{#
    Unwrapped scalar at `path` cast to `data_type` (bigint, integer, double, boolean,
    ...). A value that does not fit the type fails the query: a changed schema should be
    loud.
#}
{% macro lp_value(json_expr, path, data_type) -%}
    cast({{ lp_text(json_expr, path) }} as {{ data_type }})
{%- endmacro %}

{#
    The SQL type of money and prices: decimal(18, 4). LivePerson sends doubles of no
    stated currency; four places keep three-decimal currencies (KWD, BHD) and sub-cent
    unit prices exact, and sums do not drift as binary doubles do. Rounding to cents is
    for marts.
#}
{% macro lp_money_type() -%}
    decimal(18, 4)
{%- endmacro %}

{#
    Unwrapped number at `path` as money (lp_money_type), read from its text: no float
    error.
#}
{% macro lp_money(json_expr, path) -%}
    {{ lp_value(json_expr, path, lp_money_type()) }}
{%- endmacro %}

{# Unwrapped time at `path` (epoch milliseconds or ISO-8601 text) as a UTC timestamp. #}
{% macro lp_timestamp(json_expr, path) -%}
    {{ lp_to_utc_timestamp(lp_text(json_expr, path)) }}
{%- endmacro %}

{# A YMDDate record ({year, month, day}, wrapped or bare) at `path` as a date. #}
{% macro lp_ymd_date(json_expr, path) -%}
    {{ lp_let(lp_field(json_expr, path), 'lp_ymd', lp_make_date(
        lp_text('lp_ymd', 'year'), lp_text('lp_ymd', 'month'), lp_text('lp_ymd', 'day')
    )) }}
{%- endmacro %}

{#
    The items of the (wrapped or bare) array at `path` as a list of JSON, for lp_unnest.
    Null when the field is null, absent or not an array; [] when the array is empty.
#}
{% macro lp_items(json_expr, path='') -%}
    {{ lp_json_array_items(lp_field(json_expr, path)) }}
{%- endmacro %}

{#
    The (wrapped or bare) array of scalars at `path` as a list of text; null as
    lp_items.
#}
{% macro lp_text_items(json_expr, path='') -%}
    {{ lp_json_text_items(lp_field(json_expr, path)) }}
{%- endmacro %}

{#
    For an array of records at `path`, the list of one field of each item, cast to
    `data_type`: lp_item_values('campaign', 'visitorProfiles', 'id', 'bigint').
#}
{% macro lp_item_values(json_expr, path, field, data_type) -%}
    {{ lp_list_transform(
        lp_items(json_expr, path),
        'lp_item',
        'cast(' ~ lp_text('lp_item', field) ~ ' as ' ~ data_type ~ ')'
    ) }}
{%- endmacro %}

{#
    The short name of a type (after the last dot): `com.liveperson.dataaccess.Goal` ->
    Goal.
#}
{% macro lp_short_type_name(name_expr) -%}
    {{ lp_regexp_extract(name_expr, '[^.]*$') }}
{%- endmacro %}

{# The short, lower-cased type name of a union wrapper (one-key object), else null. #}
{% macro lp_wrapper_type(json_expr) -%}
    {{ lp_type_key(lp_wrapper_name(json_expr)) }}
{%- endmacro %}

{#
    The key a type name is recognised by: its short name, lower-cased (the notes:
    recognise by short name, case-insensitively). Used on both sides of every
    recognition join.
#}
{% macro lp_type_key(name_expr) -%}
    lower({{ lp_short_type_name(name_expr) }})
{%- endmacro %}

{#
    The payload of a record body: the unwrapped value of its only field besides `header`
    (`navigationData`, `geo`, ...), or the body itself when it has several (fields
    inline). Used where the payload's field name is not published (GEO, session info).
#}
{% macro lp_body_payload(body_expr) -%}
    {{ lp_let(body_expr, 'lp_body', lp_let(
        lp_list_filter(lp_json_keys('lp_body'), 'lp_key', "lp_key <> 'header'"),
        'lp_keys',
        'case when ' ~ lp_list_length('lp_keys') ~ ' = 1 then '
            ~ lp_unwrap(lp_json_get_key('lp_body', lp_list_element('lp_keys', 1)))
            ~ ' else lp_body end'
    )) }}
{%- endmacro %}
