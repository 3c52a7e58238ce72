{#
    The brand's membership list, one row per customer key: from the seed by default or
    from the brand's own table when the project variable `memberships_relation` names
    one (`their_schema.their_table`). Customer ids are compared as lp_customer_key makes
    them (trimmed, lower-cased), here and on the visits' side. Rows without a key or a
    tier are ignored; when a key has several rows, the highest tier wins (the order of
    the variable `membership_tiers`; tiers it does not list rank after them,
    alphabetically), then the earliest member_since.
#}
{%- set memberships = (
    var('memberships_relation', none) or ref('customer_memberships')
) -%}

with

memberships as (

    select
        customer_id,
        membership_tier,
        member_since
    from {{ memberships }}

),

normalised as (

    select
        {{ lp_customer_key('customer_id') }} as customer_id,
        {{ lp_tier_name('membership_tier') }} as membership_tier,
        cast(member_since as date) as member_since
    from memberships

),

ranked as (

    select
        *,
        {{ lp_tier_rank('membership_tier') }} as tier_rank
    from normalised
    where customer_id is not null and membership_tier is not null

),

customers_ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by tier_rank asc, membership_tier asc, member_since asc nulls last
        ) as customer_rank
    from ranked

),

deduplicated as (

    select
        customer_id,
        membership_tier,
        tier_rank,
        member_since
    from customers_ranked
    where customer_rank = 1

)

select * from deduplicated
