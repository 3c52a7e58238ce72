{#
    The parsed record of every visit's kept landing (base_liveperson__visit_changes),
    with when that last changed: what every staging model reads, filtering on changed_at
    once. A view in `raw` (the records hold personal data in clear).
#}
{{ config(materialized='view') }}

with

changes as (

    select
        visit_id,
        file_name,
        line_number,
        changed_at
    from {{ ref('base_liveperson__visit_changes') }}
    where landed_at is not null

),

records as (

    select * from {{ ref('base_liveperson__records') }}

),

kept_records as (

    select
        changes.visit_id,
        changes.changed_at,
        records.visitor_id,
        records.context_id,
        records.data_type,
        records.meta,
        records.body_type_names,
        records.navigation_json,
        records.engagement_attributes_json,
        records.achieved_goals_json,
        records.eligibility_json,
        records.impressions_json,
        records.geo_json,
        records.geo_inline,
        records.session_info_json,
        records.session_info_inline,
        records.file_name,
        records.line_number,
        records.landed_at
    from changes
    inner join records
        on
            changes.file_name = records.file_name
            and changes.line_number = records.line_number

)

select * from kept_records
