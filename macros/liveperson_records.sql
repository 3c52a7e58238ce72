{#
    Column groups for the record types that several record bodies share (Engagement,
    Campaign, Goal, the cart). Each renders `expression as column` lines,
    comma-separated, without a trailing comma, reading from a JSON column (wrapped or
    bare); `prefix` tells apart two records of a type in one model. Field names are the
    reference's.
#}

{# Engagement: the engagement a campaign shows (eligibility, impressions, goals). #}
{% macro lp_engagement_columns(engagement, prefix='') -%}
    {{ lp_value(engagement, 'id', 'bigint') }} as {{ prefix }}engagement_id,
    {{ lp_text(engagement, 'channel') }} as {{ prefix }}engagement_channel,
    {{ lp_text(engagement, 'type') }} as {{ prefix }}engagement_type,
    {{ lp_value(engagement, 'skillId', 'integer') }} as {{ prefix }}engagement_skill_id,
    {{ lp_text(engagement, 'skillName') }} as {{ prefix }}engagement_skill_name,
    {{ lp_text(engagement, 'availabilityPolicy') }}
        as {{ prefix }}engagement_availability_policy,
    {{ lp_value(engagement, 'interactionType', 'integer') }}
        as {{ prefix }}engagement_interaction_type,
    {{ lp_value(engagement, 'renderingType', 'integer') }}
        as {{ prefix }}engagement_rendering_type,
    {{ lp_item_values(engagement, 'visitorBehaviors', 'id', 'bigint') }}
        as {{ prefix }}engagement_visitor_behavior_ids,
    {{ lp_item_values(engagement, 'visitorBehaviors', 'revision', 'bigint') }}
        as {{ prefix }}engagement_visitor_behavior_revisions,
    {{ lp_item_values(engagement, 'surveySkills', 'id', 'bigint') }}
        as {{ prefix }}engagement_survey_skill_ids,
    {{ lp_item_values(engagement, 'surveySkills', 'name', dbt.type_string()) }}
        as {{ prefix }}engagement_survey_skill_names,
    {{ lp_value(engagement, 'isOffsiteEngagement', 'boolean') }}
        as is_{{ prefix }}offsite_engagement
{%- endmacro %}

{# Campaign: its id and its visitor profiles (target audiences) as parallel lists. #}
{% macro lp_campaign_columns(campaign, prefix='') -%}
    {{ lp_value(campaign, 'id', 'bigint') }} as {{ prefix }}campaign_id,
    {{ lp_item_values(campaign, 'visitorProfiles', 'id', 'bigint') }}
        as {{ prefix }}visitor_profile_ids,
    {{ lp_item_values(campaign, 'visitorProfiles', 'revision', 'bigint') }}
        as {{ prefix }}visitor_profile_revisions
{%- endmacro %}

{# Goal: the campaign goal's id, type and indicator type. #}
{% macro lp_goal_columns(goal, prefix='') -%}
    {{ lp_value(goal, 'id', 'bigint') }} as {{ prefix }}goal_id,
    {{ lp_value(goal, 'type', 'integer') }} as {{ prefix }}goal_type,
    {{ lp_value(goal, 'indicatorType', 'integer') }} as {{ prefix }}goal_indicator_type
{%- endmacro %}

{#
    A cart (Purchase.cart, CartStatus, PurchaseMetadata.cartStatus): total and item
    count.
#}
{% macro lp_cart_columns(cart, prefix='') -%}
    {{ lp_money(cart, 'total') }} as {{ prefix }}cart_total,
    {{ lp_value(cart, 'numItems', 'integer') }} as {{ prefix }}cart_item_count
{%- endmacro %}
