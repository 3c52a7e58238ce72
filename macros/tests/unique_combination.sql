{#
    Generic test: no two rows share the same values of `columns` (a compound key). Nulls
    count as equal values, so a key with an optional part (product_lines) is tested too.
    Returns one row per duplicated combination, with how many rows share it.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
