{#
    Column groups for the records that several record types share (Engagement,
    Campaign, Goal, the cart). Each renders `expression as column` lines from a parsed
    record (lp_union_value of its union), typing through lp_typed into `typed`;
    `prefix` tells apart two records of a type in one model.
#}

{# Engagement: the engagement a campaign shows (eligibility, impressions, goals). #}
{% macro lp_engagement_columns(typed, engagement, prefix='') -%}
    {{ lp_typed(typed, engagement ~ '.id', 'bigint') }} as {{ prefix }}engagement_id,
    lp_text({{ engagement }}.channel) as {{ prefix }}engagement_channel,
    lp_text({{ engagement }}.type) as {{ prefix }}engagement_type,
    {{ lp_typed(typed, engagement ~ '.skillId', 'integer') }}
        as {{ prefix }}engagement_skill_id,
    lp_text({{ engagement }}.skillName) as {{ prefix }}engagement_skill_name,
    lp_text({{ engagement }}.availabilityPolicy)
        as {{ prefix }}engagement_availability_policy,
    {{ lp_typed(typed, engagement ~ '.interactionType', 'integer') }}
        as {{ prefix }}engagement_interaction_type,
    {{ lp_typed(typed, engagement ~ '.renderingType', 'integer') }}
        as {{ prefix }}engagement_rendering_type,
    {{ lp_item_values(engagement ~ '.visitorBehaviors', 'id', 'bigint') }}
        as {{ prefix }}engagement_visitor_behavior_ids,
    {{ lp_item_values(engagement ~ '.visitorBehaviors', 'revision', 'bigint') }}
        as {{ prefix }}engagement_visitor_behavior_revisions,
    {{ lp_item_values(engagement ~ '.surveySkills', 'id', 'bigint') }}
        as {{ prefix }}engagement_survey_skill_ids,
    {{ lp_item_values(engagement ~ '.surveySkills', 'name', 'text') }}
        as {{ prefix }}engagement_survey_skill_names,
    {{ lp_typed(typed, engagement ~ '.isOffsiteEngagement', 'boolean') }}
        as is_{{ prefix }}offsite_engagement
{%- endmacro %}

{# Campaign: its id and its visitor profiles (target audiences) as parallel lists. #}
{% macro lp_campaign_columns(typed, campaign, prefix='') -%}
    {{ lp_typed(typed, campaign ~ '.id', 'bigint') }} as {{ prefix }}campaign_id,
    {{ lp_item_values(campaign ~ '.visitorProfiles', 'id', 'bigint') }}
        as {{ prefix }}visitor_profile_ids,
    {{ lp_item_values(campaign ~ '.visitorProfiles', 'revision', 'bigint') }}
        as {{ prefix }}visitor_profile_revisions
{%- endmacro %}

{# Goal: the campaign goal's id, type and indicator type. #}
{% macro lp_goal_columns(typed, goal, prefix='') -%}
    {{ lp_typed(typed, goal ~ '.id', 'bigint') }} as {{ prefix }}goal_id,
    {{ lp_typed(typed, goal ~ '.type', 'integer') }} as {{ prefix }}goal_type,
    {{ lp_typed(typed, goal ~ '.indicatorType', 'integer') }}
        as {{ prefix }}goal_indicator_type
{%- endmacro %}

{# A cart (Purchase.cart, CartStatus, PurchaseMetadata.cartStatus): total and count. #}
{% macro lp_cart_columns(typed, cart, prefix='') -%}
    {{ lp_typed(typed, cart ~ '.total', 'amount') }} as {{ prefix }}cart_total,
    {{ lp_typed(typed, cart ~ '.numItems', 'integer') }} as {{ prefix }}cart_item_count
{%- endmacro %}

{#
    For an array of records (a union), the list of one field of each item, typed:
    lp_item_values('campaign.visitorProfiles', 'id', 'bigint').
#}
{% macro lp_item_values(union_expr, field, kind) -%}
    {{ lp_list_transform(
        lp_union_value(union_expr), 'lp_item', 'lp_' ~ kind ~ '(lp_item.' ~ field ~ ')'
    ) }}
{%- endmacro %}
