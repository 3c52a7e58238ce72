{#
    Did showing a campaign change anything? One row per campaign and conversion type,
    TEST against CONTROL, with the visitor as the unit (doc block `lift_method`):
    LivePerson assigns a visitor to a campaign's control group, so each visitor counts
    once, in the group of their first assessment for the campaign (visitors later seen
    in the other group are counted: visitors_in_both_groups_count), and converted when
    any of their visits eligible for the campaign ordered (`order`) or achieved a goal
    (`goal`) from its first assessment on.
#}
with

visit_campaigns as (

    select
        visit_id,
        coalesce(visitor_id, visit_id) as visitor_key,
        campaign_id,
        control_group,
        has_ordered,
        has_achieved_goal,
        first_assessed_at,
        started_at
    from {{ ref('int_liveperson__visit_campaigns') }}

),

assignments_ranked as (

    select
        *,
        row_number() over (
            partition by visitor_key, campaign_id
            order by first_assessed_at asc nulls last, started_at asc nulls last, visit_id
        ) as assessment_rank
    from visit_campaigns

),

visitors_assigned as (

    select
        visitor_key,
        campaign_id,
        max(case when assessment_rank = 1 then control_group end) as control_group,
        count(
            distinct case when control_group in ('TEST', 'CONTROL') then control_group end
        ) as control_group_count,
        max(case when has_ordered then 1 else 0 end) = 1 as has_ordered,
        max(case when has_achieved_goal then 1 else 0 end) = 1 as has_achieved_goal
    from assignments_ranked
    group by visitor_key, campaign_id

),

conversions_unpivoted as (

    select
        visitor_key,
        campaign_id,
        control_group,
        control_group_count,
        'order' as conversion_type,
        has_ordered as is_converted
    from visitors_assigned
    where control_group in ('TEST', 'CONTROL')

    union all

    select
        visitor_key,
        campaign_id,
        control_group,
        control_group_count,
        'goal' as conversion_type,
        has_achieved_goal as is_converted
    from visitors_assigned
    where control_group in ('TEST', 'CONTROL')

),

groups_counted as (

    select
        campaign_id,
        conversion_type,
        count(case when control_group = 'TEST' then 1 end) as test_visitor_count,
        count(case when control_group = 'CONTROL' then 1 end) as control_visitor_count,
        count(case when control_group = 'TEST' and is_converted then 1 end)
            as test_converted_visitor_count,
        count(case when control_group = 'CONTROL' and is_converted then 1 end)
            as control_converted_visitor_count,
        count(case when control_group_count > 1 then 1 end)
            as visitors_in_both_groups_count
    from conversions_unpivoted
    group by campaign_id, conversion_type

),

rates_computed as (

    select
        *,
        cast(test_converted_visitor_count as double) / nullif(test_visitor_count, 0)
            as test_conversion_rate,
        cast(control_converted_visitor_count as double)
        / nullif(control_visitor_count, 0) as control_conversion_rate,
        cast(test_converted_visitor_count + control_converted_visitor_count as double)
        / nullif(test_visitor_count + control_visitor_count, 0) as pooled_conversion_rate
    from groups_counted

),

errors_computed as (

    select
        *,
        test_conversion_rate - control_conversion_rate as absolute_lift,
        sqrt(
            pooled_conversion_rate * (1 - pooled_conversion_rate)
            * (1.0 / nullif(test_visitor_count, 0) + 1.0 / nullif(control_visitor_count, 0))
        ) as pooled_standard_error,
        sqrt(
            test_conversion_rate * (1 - test_conversion_rate)
            / nullif(test_visitor_count, 0)
            + control_conversion_rate * (1 - control_conversion_rate)
            / nullif(control_visitor_count, 0)
        ) as difference_standard_error
    from rates_computed

),

lift_tested as (

    select
        campaign_id,
        conversion_type,
        test_visitor_count,
        control_visitor_count,
        test_converted_visitor_count,
        control_converted_visitor_count,
        visitors_in_both_groups_count,
        test_conversion_rate,
        control_conversion_rate,
        absolute_lift,
        absolute_lift / nullif(control_conversion_rate, 0) as relative_lift,
        pooled_standard_error,
        absolute_lift / nullif(pooled_standard_error, 0) as z_statistic,
        difference_standard_error,
        absolute_lift - 1.96 * difference_standard_error as absolute_lift_lower_95,
        absolute_lift + 1.96 * difference_standard_error as absolute_lift_upper_95,
        coalesce(abs(absolute_lift / nullif(pooled_standard_error, 0)) >= 1.96, false)
            as is_significant_at_95
    from errors_computed

)

select * from lift_tested
