{#
    Personal data in staging: hashed (SHA-256 of the text, as LivePerson sent it) unless
    the project variable `keep_personal_data_in_clear` is true. Always text, so a
    column's type does not change with the variable. Equal values still match across
    tables and visits, and a brand can hash its own list the same way to join on it.
    Unsalted SHA-256 is pseudonymisation, not anonymisation: low-entropy values (phone
    numbers, IPv4 addresses) can be recovered by brute force, so hashed columns stay
    personal data. Raw stays in `raw`.
#}
{% macro lp_hash_personal(expr) -%}
    {%- set keep = var('keep_personal_data_in_clear', false) -%}
    {%- if keep is string -%}
        {%- set keep = keep | trim | lower in ('true', '1', 'yes') -%}
    {%- endif -%}
    {%- if keep -%}
        cast({{ expr }} as {{ dbt.type_string() }})
    {%- else -%}
        {{ lp_sha256(expr) }}
    {%- endif -%}
{%- endmacro %}
