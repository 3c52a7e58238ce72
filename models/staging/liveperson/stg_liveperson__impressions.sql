{%- set typed = [] -%}
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
        impressions_json,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_parse_payloads('impressions_json', 'impressions') }} as impressions
    from source

),

impression_events as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_unnest('impressions', 'impression', 'impression_number') }}
    from parsed

),

records_read as (

    select
        *,
        {{ lp_union_value('impression.engagement') }} as engagement,
        {{ lp_union_value('impression.campaign') }} as campaign,
        {{ lp_union_value('impression.goal') }} as goal
    from impression_events

),

renamed as (

    select
        visit_id,
        visitor_id,
        impression_number,
        lp_text(impression.engagementInstanceId) as engagement_instance_id,
        -- Show, Accept, Close or Timeout in the reference: lower-cased here, once.
        lower(lp_text(impression.impressionType)) as impression_type,
        lp_text(impression.state) as impression_state,
        {{ lp_engagement_columns(typed, 'engagement') }},
        {{ lp_campaign_columns(typed, 'campaign') }},
        {{ lp_goal_columns(typed, 'goal') }},
        lp_text(impression.controlGroupType) as control_group_type,
        {{ lp_typed(typed, 'impression.timestamp', 'time') }} as impressed_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from records_read

)

select * from renamed
