{#
    Generic test: the model is empty. Returns its rows; use with `severity: warn` where
    rows are news rather than errors (stg_liveperson__unrecognized_records).
#}
{% test has_no_rows(model) %}

select * from {{ model }}

{% endtest %}
