{#
    Everything the models could not read, one row per value or record, named by file,
    line, visit and field: records too large for the build (not parsed at all) and
    values sent but unreadable as their type (an encrypted PGP message, a number out of
    range, text where a number belongs). Nothing here stops a build: the rest of the
    record is read, the value is null where it is used, and a warn-level test reports
    this model's rows. The values themselves stay in raw.
#}
{{ config(materialized='table') }}

{%- set typed_models = [
    'stg_liveperson__web_sessions',
    'stg_liveperson__page_views',
    'stg_liveperson__session_info',
    'stg_liveperson__campaign_eligibility',
    'stg_liveperson__impressions',
    'stg_liveperson__engagement_attributes',
    'stg_liveperson__purchases',
    'stg_liveperson__cart_updates',
    'stg_liveperson__viewed_products',
    'stg_liveperson__leads',
    'stg_liveperson__service_activities',
    'stg_liveperson__visitor_errors',
    'stg_liveperson__marketing_sources',
    'stg_liveperson__customer_info',
    'stg_liveperson__personal_info',
    'stg_liveperson__goals_achieved',
    'stg_liveperson__product_lines',
] %}

with

records_too_large as (

    select
        file_name,
        line_number,
        record_bytes
    from {{ ref('base_liveperson__records') }}
    where is_too_large

),

kept_landings as (

    select
        visit_id,
        file_name,
        line_number
    from {{ ref('base_liveperson__visit_changes') }}
    where landed_at is not null

),

unreadable_lists as (

    {% for model in typed_models -%}
        select
            visit_id,
            '{{ model }}' as model_name,
            {{ lp_unnest('unreadable_values', 'unreadable', 'unreadable_position') }}
        from {{ ref(model) }}
        where {{ lp_list_length('unreadable_values') }} > 0
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

unreadable_values as (

    select
        visit_id,
        model_name,
        unreadable.field,
        unreadable.problem
    from unreadable_lists

),

quarantined as (

    select
        file_name as source_file_name,
        line_number as source_line_number,
        cast(null as {{ dbt.type_string() }}) as visit_id,
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as field,
        'record too large: ' || cast(record_bytes as {{ dbt.type_string() }})
        || ' bytes, the build reads up to {{ var("max_record_bytes") }}' as problem
    from records_too_large

    union all

    select
        kept_landings.file_name as source_file_name,
        kept_landings.line_number as source_line_number,
        unreadable_values.visit_id,
        unreadable_values.model_name,
        unreadable_values.field,
        unreadable_values.problem
    from unreadable_values
    inner join kept_landings
        on unreadable_values.visit_id = kept_landings.visit_id

)

select * from quarantined
