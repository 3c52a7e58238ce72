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
        goal_achieved_number,
        goal,
        goal_metadata_type,
        goal_metadata_type_name,
        -- Every member's fields (each member's are read from that member only, below).
        {{ lp_parse_member('metadata_json', 'GoalMetadata') }} as metadata,
        changed_at
    from {{ ref('base_liveperson__achieved_goals') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

metadata_members as (

    -- Each member's fields are read from that member only (Lead and ServiceActivity
    -- both have a `topic`); an unknown member leaves them all null.
    select
        *,
        case when goal_metadata_type = 'url' then metadata end as url_goal,
        case when goal_metadata_type = 'purchase' then metadata end as purchase_goal,
        case
            when goal_metadata_type = 'reduce_abandonment' then metadata
        end as abandonment_goal,
        case
            when goal_metadata_type = 'increase_interaction' then metadata
        end as interaction_goal,
        case when goal_metadata_type = 'lead' then metadata end as lead_goal,
        case
            when goal_metadata_type = 'service_activity' then metadata
        end as service_goal
    from source

),

member_records as (

    select
        *,
        {{ lp_union_value('purchase_goal.cartStatus') }} as purchase_cart,
        {{ lp_union_value('interaction_goal.engagement') }} as interaction_engagement,
        {{ lp_union_value('interaction_goal.campaign') }} as interaction_campaign
    from metadata_members

),

renamed as (

    select
        visit_id,
        visitor_id,
        goal_achieved_number,
        lp_text(goal.id) as achieved_goal_id,
        goal_metadata_type,
        goal_metadata_type_name,
        {{ lp_typed(typed, 'goal.campaignGoalId', 'bigint') }} as campaign_goal_id,
        {{ lp_typed(typed, 'goal.campaignGoalRevision', 'bigint') }}
            as campaign_goal_revision,
        {{ lp_typed(typed, 'goal.campaignGoalType', 'integer') }} as campaign_goal_type,
        lp_scrub_url(lp_text(url_goal.url)) as goal_url,
        lp_text(purchase_goal.orderId) as purchase_order_id,
        {{ lp_typed(typed, 'purchase_goal.total', 'amount') }} as purchase_total,
        {{ lp_cart_columns(typed, 'purchase_cart', 'purchase_') }},
        {{ lp_typed(typed, 'abandonment_goal.numberOfPages', 'integer') }}
            as number_of_pages,
        {{ lp_engagement_columns(typed, 'interaction_engagement', 'interaction_') }},
        {{ lp_campaign_columns(typed, 'interaction_campaign', 'interaction_') }},
        lp_text(lead_goal.topic) as lead_topic,
        lp_text(lead_goal.leadId) as lead_id,
        {{ lp_typed(typed, 'lead_goal.value', 'amount') }} as lead_value,
        lp_text(service_goal.topic) as service_activity_topic,
        {{ lp_typed(typed, 'service_goal.status', 'integer') }}
            as service_activity_status,
        lp_text(service_goal.category) as service_activity_category,
        lp_text(service_goal.serviceId) as service_id,
        {{ lp_typed(typed, 'goal.timestamp', 'time') }} as achieved_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from member_records

)

select * from renamed
