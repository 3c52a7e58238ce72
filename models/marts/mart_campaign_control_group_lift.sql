{#
    Did showing a campaign change anything? One row per campaign and conversion type,
    TEST against CONTROL, with the visitor as the unit (doc block `lift_method`;
    int_liveperson__visitor_campaigns): each visitor counts once, in the group of their
    first assessment for the campaign, and is converted when any of their visits
    eligible for the campaign ordered (`order`) or achieved a goal (`goal`) from its
    first assessment on.
#}
with

visitor_campaigns as (

    select
        visitor_key,
        campaign_id,
        control_group,
        is_in_both_groups,
        has_ordered,
        has_achieved_goal
    from {{ ref('int_liveperson__visitor_campaigns') }}
    where control_group in ('TEST', 'CONTROL')

),

conversions_unpivoted as (

    select
        visitor_key,
        campaign_id,
        control_group,
        is_in_both_groups,
        'order' as conversion_type,
        has_ordered as is_converted
    from visitor_campaigns

    union all

    select
        visitor_key,
        campaign_id,
        control_group,
        is_in_both_groups,
        'goal' as conversion_type,
        has_achieved_goal as is_converted
    from visitor_campaigns

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
        count(case when is_in_both_groups then 1 end) as visitors_in_both_groups_count
    from conversions_unpivoted
    group by campaign_id, conversion_type

),

rates_computed as (

    select
        *,
        cast(test_converted_visitor_count as double) / nullif(test_visitor_count, 0)
            as test_conversion_rate,
        cast(control_converted_visitor_count as double)
        / nullif(control_visitor_count, 0) as control_conversion_rate
    from groups_counted

),

errors_computed as (

    select
        *,
        test_conversion_rate - control_conversion_rate as absolute_lift,
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
        difference_standard_error,
        absolute_lift / nullif(difference_standard_error, 0) as z_statistic,
        -- No interval when the standard error is 0 (each group converted all or none of
        -- its visitors: the normal approximation says nothing there, and [lift, lift]
        -- would claim certainty from a handful of visitors).
        absolute_lift - 1.96 * nullif(difference_standard_error, 0)
            as absolute_lift_lower_95,
        absolute_lift + 1.96 * nullif(difference_standard_error, 0)
            as absolute_lift_upper_95,
        -- Significant exactly when there is an interval and it leaves out 0 (one standard
        -- error for both, so the flag and the interval never disagree).
        coalesce(abs(absolute_lift / nullif(difference_standard_error, 0)) >= 1.96, false)
            as is_significant_at_95
    from errors_computed

)

select * from lift_tested
