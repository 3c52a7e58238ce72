{#
    Every membership tier on the list (any row with a customer and a tier, also rows
    that lost to another row of the same customer), with its display rank: the AOV
    mart's segments.
#}
{%- set memberships = (
    var('memberships_relation', none) or ref('customer_memberships')
) -%}

with

memberships as (

    select
        customer_id,
        membership_tier
    from {{ memberships }}

),

tiers as (

    select distinct
        {{ lp_tier_name('membership_tier') }} as membership_tier
    from memberships
    where {{ lp_customer_key('customer_id') }} is not null

),

ranked as (

    select
        membership_tier,
        {{ lp_tier_rank('membership_tier') }} as tier_rank
    from tiers
    where membership_tier is not null

)

select * from ranked
