{#
    Data tests on an hourly run check what the run changed (`make hourly` sets the
    environment variable LP_DATA_TESTS_SCOPE=changed; an environment variable read
    here, at run time, unlike a `--vars` value, leaves dbt's partial parsing on from
    one hourly run to the next): a test configured with `where: changed_rows`
    (dbt_project.yml gives it to every test of a model; a test whose rule is about the
    whole table sets `where: null`) reads only the rows of the newest change of a table
    with a `changed_at` column (the incremental models). On every other run, and for
    every other test, the whole table, as dbt's own get_where_subquery does.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == 'changed_rows' -%}
        {%- set columns = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list
            if env_var('LP_DATA_TESTS_SCOPE', 'all') == 'changed' else [] -%}
        {%- if 'changed_at' in columns -%}
            {%- set filtered -%}
                (select * from {{ relation }} where changed_at = (
                    select max(newest.changed_at) from {{ relation }} as newest
                )) as dbt_subquery
            {%- endset -%}
            {{ return(filtered) }}
        {%- endif -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
{%- endmacro %}
