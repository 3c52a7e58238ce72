{#
    One row per engagement-attribute event of a kept visit, numbered in the visit
    (bodies in order, events in order), its member recognised once, here, from the
    declaration's union EngagementAttributeData. Each typed attribute model reads its
    members' `attribute_json` by its record type. In `raw`: attributes hold personal
    data in clear.
#}
with

changed_visits as (

    -- The visits to recompute: on an incremental run, those whose kept landing changed
    -- since this model's last run (base_liveperson__visit_changes); all on a full one.
    select visit_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}

),

source as (

    select
        visit_id,
        visitor_id,
        engagement_attributes_json,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_parse_payloads('engagement_attributes_json', 'engagement_attributes') }}
            as events
    from source

),

events as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_unnest('events', 'event', 'attribute_number') }}
    from parsed

),

recognized as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        {{ lp_member_entity('EngagementAttributeData', lp_union_branch('event.data')) }}
            as attribute_type,
        {{ lp_union_branch('event.data') }} as attribute_type_name,
        {{ lp_union_value('event.data') }} as attribute_json,
        event.timestamp as reported_time,
        changed_at
    from events

)

select * from recognized
