-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select * from {{ ref('base_liveperson__achieved_goals') }}
    where {{ lp_only_changed_visits() }}

),

metadata_members as (

    -- Each member's fields are read from that member only (Lead and ServiceActivity
    -- both have a `topic`); an unknown member leaves them all null.
    select
        *,
        case when goal_metadata_type = 'url' then goal_metadata end as url_metadata,
        case
            when goal_metadata_type = 'purchase' then goal_metadata
        end as purchase_metadata,
        case
            when goal_metadata_type = 'reduce_abandonment' then goal_metadata
        end as reduce_abandonment_metadata,
        case
            when goal_metadata_type = 'increase_interaction' then goal_metadata
        end as increase_interaction_metadata,
        case when goal_metadata_type = 'lead' then goal_metadata end as lead_metadata,
        case
            when goal_metadata_type = 'service_activity' then goal_metadata
        end as service_activity_metadata
    from source

),

member_records as (

    select
        *,
        {{ lp_field('purchase_metadata', 'cartStatus') }} as purchase_cart,
        {{ lp_field('increase_interaction_metadata', 'engagement') }}
            as interaction_engagement,
        {{ lp_field('increase_interaction_metadata', 'campaign') }}
            as interaction_campaign
    from metadata_members

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        goal_achieved_number,
        achieved_goal_id,
        goal_metadata_type,
        goal_metadata_type_name,
        campaign_goal_id,
        campaign_goal_revision,
        campaign_goal_type,
        {{ lp_text('url_metadata', 'url') }} as goal_url,
        {{ lp_text('purchase_metadata', 'orderId') }} as purchase_order_id,
        {{ lp_money('purchase_metadata', 'total') }} as purchase_total,
        {{ lp_cart_columns('purchase_cart', 'purchase_') }},
        {{ lp_value('reduce_abandonment_metadata', 'numberOfPages', 'integer') }}
            as number_of_pages,
        {{ lp_engagement_columns('interaction_engagement', 'interaction_') }},
        {{ lp_campaign_columns('interaction_campaign', 'interaction_') }},
        {{ lp_text('lead_metadata', 'topic') }} as lead_topic,
        {{ lp_text('lead_metadata', 'leadId') }} as lead_id,
        {{ lp_money('lead_metadata', 'value') }} as lead_value,
        {{ lp_text('service_activity_metadata', 'topic') }} as service_activity_topic,
        {{ lp_value('service_activity_metadata', 'status', 'integer') }}
            as service_activity_status,
        {{ lp_text('service_activity_metadata', 'category') }}
            as service_activity_category,
        {{ lp_text('service_activity_metadata', 'serviceId') }} as service_id,
        achieved_at
    from member_records

)

select * from renamed
