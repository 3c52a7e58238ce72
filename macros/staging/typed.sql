{#
    Typing a value in a staging model, and saying when it could not be typed.
    `lp_typed(fields, union_expr, kind)` renders the typed value
    (`lp_amount(purchase.total)`) and notes (union_expr, kind) in `fields`, a list the
    model declares once; then `lp_unreadable_values(fields)` renders the list of the
    values of this row that were sent but could not be read, as {field, problem} (the
    problem as lp_problem gives it). stg_liveperson__quarantine lists them all with
    their file and line.
#}
{% macro lp_typed(fields, union_expr, kind) -%}
    {%- do fields.append((union_expr, kind)) -%}
    lp_{{ kind }}({{ union_expr }})
{%- endmacro %}

{% macro lp_unreadable_values(fields) -%}
    {%- set checks = [] -%}
    {%- if not fields -%}
        {#- Nothing typed: an empty list of the same type as the other models'. -#}
        {%- do checks.append(lp_struct([
            ('field', 'cast(null as ' ~ dbt.type_string() ~ ')'),
            ('problem', 'cast(null as ' ~ dbt.type_string() ~ ')'),
        ])) -%}
    {%- endif -%}
    {%- for union_expr, kind in fields -%}
        {%- do checks.append(lp_struct([
            ('field', "'" ~ union_expr ~ "'"),
            ('problem', "lp_problem(" ~ union_expr ~ ", '" ~ kind ~ "')"),
        ])) -%}
    {%- endfor -%}
    {#- A model without typed values has none (a typed empty list: Spark has no
        untyped one). -#}
    {%- set check_type = lp_struct_type([
        ('field', lp_text_type()), ('problem', lp_text_type())
    ]) -%}
    {{ lp_list_filter(
        lp_list_of(checks) if checks else lp_empty_list(check_type),
        'lp_check', 'lp_check.problem is not null'
    ) }}
{%- endmacro %}

{#
    The entity a union member's type name stands for (the declaration's unions), by
    short name in any case; null for a name the declaration does not know.
#}
{% macro lp_member_entity(union_name, branch_expr) -%}
    case lp_type_key({{ branch_expr }})
    {%- for entity, member in lp_web_session_schema().unions[union_name].items() %}
        {%- for name in member.names %}
        when '{{ name | lower }}' then '{{ entity }}'
        {%- endfor %}
    {%- endfor %}
    end
{%- endmacro %}
