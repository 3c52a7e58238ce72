{#
    Reading a landed record with the engine's typed JSON parser, from the declaration in
    web_session_schema.sql. Every Avro union is read as a map from branch name to value
    (`{"double": "85.41"}`, `{"com.liveperson.dataaccess.Goal": {...}}`), so any branch
    and any type name is accepted; scalars are read as text and typed by the lp_*
    functions (macros/engine/functions.sql). base_liveperson__records is the caller.

    The record is read in parts (the visit's header and metadata, then one part per
    record-body payload): each part is typed once, and one part's values are never
    copied to read another's (measured: splitting one parse of everything into its
    parts costs several times the parse).
#}

{% macro lp_scalar_kinds() -%}
    {{ return([
        'text', 'enum', 'amount', 'decimal', 'time', 'integer', 'bigint', 'boolean'
    ]) }}
{%- endmacro %}

{# The fields of a record type, or the merged fields of a union's members, in order. #}
{% macro lp_fields_of(type_name) -%}
    {%- set schema = lp_web_session_schema() -%}
    {%- if type_name in schema.unions -%}
        {%- set fields = {} -%}
        {%- for member in schema.unions[type_name].values() -%}
            {%- do fields.update(schema.records[member.record or member.names[0]]) -%}
        {%- endfor -%}
        {{ return(fields) }}
    {%- elif type_name in schema.records -%}
        {{ return(schema.records[type_name]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('Unknown record type: ' ~ type_name) }}
    {%- endif -%}
{%- endmacro %}

{#
    The parse type of a value of `kind`: a union (a map from branch name to value)
    unless `bare` or listed in the declaration's bare_fields. A union of several record
    types keeps its value's JSON; read bare, it is a struct of every member's fields.
#}
{% macro lp_parse_type(kind, bare=false) -%}
    {%- if kind is not string -%}
        {%- set value = lp_list_type(lp_parse_type(kind[0], bare=true)) -%}
    {%- elif kind in lp_scalar_kinds() -%}
        {%- set value = lp_text_type() -%}
    {%- elif kind == 'json' -%}
        {{- return(lp_json_type()) -}}
    {%- elif kind in lp_web_session_schema().unions and not bare -%}
        {#- A union of records whose member decides what it is: {type name: its JSON},
            read by the member's model (lp_parse_member). -#}
        {{- return(lp_map_type(lp_json_type())) -}}
    {%- else -%}
        {%- set fields = [] -%}
        {%- for field, field_kind in lp_fields_of(kind).items() -%}
            {%- set field_bare = (kind ~ '.' ~ field)
                in lp_web_session_schema().bare_fields -%}
            {%- do fields.append(
                (field, lp_parse_type(field_kind, bare=field_bare))
            ) -%}
        {%- endfor -%}
        {%- set value = lp_struct_type(fields) -%}
    {%- endif -%}
    {{- value if bare else lp_map_type(value) -}}
{%- endmacro %}

{#
    The parse type of recordCollection with each body read for `body_fields` only (name
    -> kind): union-wrapped (`{"array": [...]}`, as files in the field have it) or bare
    (as the vendor's reference prints it).
#}
{% macro lp_bodies_parse_type(body_fields, top_level_bare) -%}
    {%- set fields = [] -%}
    {%- for field, kind in body_fields.items() -%}
        {%- do fields.append((field, lp_parse_type(kind))) -%}
    {%- endfor -%}
    {%- set item = lp_struct_type([('body', lp_map_type(lp_struct_type(fields)))]) -%}
    {{- lp_list_type(item) if top_level_bare else lp_map_type(lp_list_type(item)) -}}
{%- endmacro %}

{#
    How base_liveperson__records reads the bodies of a record: each body's header typed,
    each record-body payload (body_payloads) kept as its JSON text for the staging model
    that reads it, and the fields GEO and session info may carry inline, typed.
#}
{% macro lp_body_parts() -%}
    {%- set schema = lp_web_session_schema() -%}
    {%- set parts = {'header': 'VisitorHeader'} -%}
    {%- for payload in schema.body_payloads.values() -%}
        {%- do parts.update({payload.field: 'json'}) -%}
    {%- endfor -%}
    {%- for payload in schema.body_payloads.values() if payload.inline -%}
        {%- do parts.update(schema.records[payload.inline]) -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}

{#
    The payload JSON texts of one record-body entity (a body_payloads entry) from the
    record's bodies `bodies_expr` (each body's value, lp_union_value of its union): one
    per body that carries the payload field.
#}
{% macro lp_payload_json(bodies_expr, entity) -%}
    {%- set field = lp_web_session_schema().body_payloads[entity].field -%}
    {{ lp_list_filter(
        lp_list_transform(bodies_expr, 'lp_body', 'lp_body.' ~ adapter.quote(field)),
        'lp_json', 'lp_json is not null'
    ) }}
{%- endmacro %}

{#
    For GEO and session info: the payload carried inline by each body (two of its fields
    at least), as a struct of the payload record's fields.
#}
{% macro lp_inline_payload(bodies_expr, entity) -%}
    {%- set schema = lp_web_session_schema() -%}
    {%- set record_fields = schema.records[schema.body_payloads[entity].inline] -%}
    {%- set fields = [] -%}
    {%- set present = [] -%}
    {%- for field in record_fields -%}
        {%- set value = 'lp_body.' ~ adapter.quote(field) -%}
        {%- do fields.append((field, value)) -%}
        {%- do present.append(
            'case when ' ~ value ~ ' is not null then 1 else 0 end'
        ) -%}
    {%- endfor -%}
    {{ lp_list_filter(
        lp_list_transform(bodies_expr, 'lp_body', 'case when ' ~ present | join(' + ')
            ~ ' >= 2 then ' ~ lp_struct(fields) ~ ' end'),
        'lp_inline', 'lp_inline is not null'
    ) }}
{%- endmacro %}

{#
    Typed reading of the payload JSON texts `json_list_expr` of one record-body entity,
    by the declaration: for an array payload (navigation, attributes, goals,
    eligibility, impressions), its items across the visit's bodies, in document order;
    for a record payload (GEO, session info), one record per body.
#}
{% macro lp_parse_payloads(json_list_expr, entity) -%}
    {%- set schema = lp_web_session_schema() -%}
    {%- set payload = schema.body_payloads[entity] -%}
    {%- set member = schema.unions.Body[entity] -%}
    {%- set kind = schema.records[member.names[0]][payload.field] -%}
    {%- set parsed = lp_list_transform(
        json_list_expr,
        'lp_json',
        lp_union_value(lp_parse_as('lp_json', lp_parse_type(kind)))
    ) -%}
    {{ lp_list_flatten(parsed) if kind is not string else parsed }}
{%- endmacro %}

{#
    Typed reading of one union member's JSON text `json_expr` (an engagement-attribute
    or goal-metadata value kept as text by its base model) as record type `record_type`.
#}
{% macro lp_parse_member(json_expr, record_type) -%}
    {{ lp_parse_as(json_expr, lp_parse_type(record_type, bare=true)) }}
{%- endmacro %}
