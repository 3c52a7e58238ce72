{#
    Incremental runs, decided once: base_liveperson__visit_changes lists every visit
    with the time its kept landing last changed (`changed_at`). An incremental model
    holds that time on its rows; on a run it selects the visits changed since the newest
    time it holds (lp_last_change_in(this)), and its strategy, `replace_changed_visits`,
    deletes the old rows of those visits and of every visit the model recomputed (its
    unique_key) before inserting the new ones. So a visit that lost its rows in a model
    (a landing without leads, a visit gone from a replaced file) loses them there too.
#}

{#
    The newest changed_at a relation holds (the start of time when it holds none). A
    table built by an earlier version of the project has no changed_at: the run stops
    with what to do rather than a binder error.
#}
{% macro lp_last_change_in(relation) -%}
    {#- A unit test's `this` is its fixture's text, not a relation. -#}
    {%- if execute and relation is not string -%}
        {%- set columns = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
        {%- if columns and 'changed_at' not in columns -%}
            {%- do exceptions.raise_compiler_error(
                relation ~ ' was built by an earlier version of this project (it has no'
                ~ ' changed_at column): rebuild once with `dbt build --full-refresh`'
                ~ ' (README, Incremental builds).'
            ) -%}
        {%- endif -%}
    {%- endif %}
    select coalesce(max(held.changed_at), cast('1900-01-01' as timestamp))
    from {{ relation }} as held
{%- endmacro %}

{% macro get_incremental_replace_changed_visits_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set recomputed = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')
    ) -%}
    delete from {{ target }}
    where
        {{ key }} in (select recomputed.{{ key }} from {{ recomputed }} as recomputed)
        or visit_id in (
            select changes.visit_id
            from {{ ref('base_liveperson__visit_changes') }} as changes
            where changes.changed_at > ({{ lp_last_change_in(target) }})
        );

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ recomputed }}
{%- endmacro %}
