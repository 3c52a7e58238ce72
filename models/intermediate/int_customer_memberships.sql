{#
    The brand's membership list, from the seed by default or from the brand's own
    table when the project variable `memberships_relation` names one
    (`their_schema.their_table`), so that no model has to change to use it.
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
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(membership_tier as {{ dbt.type_string() }})))
            as membership_tier,
        cast(member_since as date) as member_since
    from memberships

)

select * from normalised
