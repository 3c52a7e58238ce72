{#
    For tests that compare a macro's result with an expected text: the value as text, or
    'is null' when it is null (so that nulls compare equal to the text 'is null').
#}
{% macro shown(expr) -%}
    coalesce(cast({{ expr }} as {{ dbt.type_string() }}), 'is null')
{%- endmacro %}
