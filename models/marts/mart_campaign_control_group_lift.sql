with

visit_campaigns as (

    select
        visit_id,
        visitor_id,
        campaign_id,
        control_group,
        has_achieved_goal,
        has_ordered
    from {{ ref('int_liveperson__visit_campaigns') }}
    where control_group in ('TEST', 'CONTROL')

),

conversions_unpivoted as (

    select
        visit_id,
        visitor_id,
        campaign_id,
        control_group,
        'campaign_goal' as conversion_type,
        has_achieved_goal as is_converted
    from visit_campaigns

    union all

    select
        visit_id,
        visitor_id,
        campaign_id,
        control_group,
        'order' as conversion_type,
        has_ordered as is_converted
    from visit_campaigns

),

groups_counted as (

    select
        campaign_id,
        conversion_type,
        count(distinct case when control_group = 'TEST' then visit_id end)
            as test_visit_count,
        count(distinct case when control_group = 'CONTROL' then visit_id end)
            as control_visit_count,
        count(distinct case when control_group = 'TEST' then visitor_id end)
            as test_visitor_count,
        count(distinct case when control_group = 'CONTROL' then visitor_id end)
            as control_visitor_count,
        count(
            distinct case
                when control_group = 'TEST' and is_converted then visit_id
            end
        ) as test_converted_visit_count,
        count(
            distinct case
                when control_group = 'CONTROL' and is_converted then visit_id
            end
        ) as control_converted_visit_count
    from conversions_unpivoted
    group by campaign_id, conversion_type

),

rates_computed as (

    select
        *,
        cast(test_converted_visit_count as double) / nullif(test_visit_count, 0)
            as test_conversion_rate,
        cast(control_converted_visit_count as double) / nullif(control_visit_count, 0)
            as control_conversion_rate,
        cast(test_converted_visit_count + control_converted_visit_count as double)
        / nullif(test_visit_count + control_visit_count, 0) as pooled_conversion_rate
    from groups_counted

),

errors_computed as (

    select
        *,
        test_conversion_rate - control_conversion_rate as absolute_lift,
        sqrt(
            pooled_conversion_rate * (1 - pooled_conversion_rate)
            * (1.0 / nullif(test_visit_count, 0) + 1.0 / nullif(control_visit_count, 0))
        ) as pooled_standard_error,
        sqrt(
            test_conversion_rate * (1 - test_conversion_rate)
            / nullif(test_visit_count, 0)
            + control_conversion_rate * (1 - control_conversion_rate)
            / nullif(control_visit_count, 0)
        ) as difference_standard_error
    from rates_computed

),

lift_tested as (

    select
        campaign_id,
        conversion_type,
        test_visit_count,
        control_visit_count,
        test_visitor_count,
        control_visitor_count,
        test_converted_visit_count,
        control_converted_visit_count,
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
