{#
    One row per order, however often and however it was reported: the rules of the doc
    block `order_rules`, step by step. (1) Reports with an order id are one order per id,
    across visits. (2) A report without one joins its visit's identified order when that
    is unambiguous. (3) The other reports without an id are orders of their visit by
    amount. Then each order's total, item count, time and visit come from its reports in
    a fixed precedence.
#}
with

reports as (

    select
        visit_id,
        visitor_id,
        report_source,
        report_number,
        order_key,
        purchase_total,
        cart_total,
        item_count,
        report_amount,
        amount_source,
        reported_at,
        report_sequence
    from {{ ref('int_liveperson__order_reports') }}

),

identified_reports as (

    select * from reports
    where order_key is not null

),

identified_amount_candidates as (

    -- Rule 1 orders' amounts, from their identified reports only (section 3's
    -- precedence), for rule 2 to compare with.
    select
        order_key,
        report_amount,
        row_number() over (
            partition by order_key
            order by
                {{ lp_amount_precedence('amount_source') }},
                report_sequence
        ) as amount_rank
    from identified_reports

),

identified_orders_in_visits as (

    select distinct
        identified_reports.visit_id,
        identified_reports.order_key,
        identified_amount_candidates.report_amount as order_amount
    from identified_reports
    inner join identified_amount_candidates
        on
            identified_reports.order_key = identified_amount_candidates.order_key
            and identified_amount_candidates.amount_rank = 1

),

idless_reports as (

    select * from reports
    where order_key is null

),

idless_candidates as (

    -- Rule 2: each report without an id against its visit's identified orders.
    select
        idless_reports.report_sequence,
        idless_reports.report_amount,
        candidates.order_key,
        candidates.order_amount,
        count(*) over (partition by idless_reports.report_sequence) as order_count,
        sum(
            case when candidates.order_amount = idless_reports.report_amount then 1 else 0 end
        ) over (partition by idless_reports.report_sequence) as equal_amount_count
    from idless_reports
    inner join identified_orders_in_visits as candidates
        on idless_reports.visit_id = candidates.visit_id

),

idless_joined as (

    select
        report_sequence,
        order_key
    from idless_candidates
    where
        (
            order_count = 1
            and (
                report_amount is null
                or order_amount is null
                or report_amount = order_amount
            )
        )
        or (
            order_count > 1
            and equal_amount_count = 1
            and report_amount = order_amount
        )

),

idless_remaining as (

    select idless_reports.*
    from idless_reports
    left join idless_joined
        on idless_reports.report_sequence = idless_joined.report_sequence
    where idless_joined.report_sequence is null

),

idless_amounts_per_visit as (

    select
        visit_id,
        count(distinct report_amount) as known_amount_count,
        max(report_amount) as only_known_amount
    from idless_remaining
    group by visit_id

),

idless_grouped as (

    -- Rule 3: one order per visit and known amount; reports of unknown amount join the
    -- visit's only known-amount order, else make one order of unknown amount.
    select
        idless_remaining.*,
        case
            when idless_remaining.report_amount is not null
                then cast(idless_remaining.report_amount as {{ dbt.type_string() }})
            when idless_amounts_per_visit.known_amount_count = 1
                then cast(
                    idless_amounts_per_visit.only_known_amount as {{ dbt.type_string() }}
                )
            else 'unknown'
        end as amount_group
    from idless_remaining
    inner join idless_amounts_per_visit
        on idless_remaining.visit_id = idless_amounts_per_visit.visit_id

),

idless_groups_numbered as (

    select
        visit_id,
        amount_group,
        row_number() over (
            partition by visit_id order by min(report_sequence)
        ) as order_number_in_visit
    from idless_grouped
    group by visit_id, amount_group

),

order_reports_assigned as (

    select
        identified_reports.*,
        identified_reports.order_key as order_id,
        true as has_reported_order_id
    from identified_reports

    union all

    select
        reports.*,
        idless_joined.order_key as order_id,
        true as has_reported_order_id
    from reports
    inner join idless_joined
        on reports.report_sequence = idless_joined.report_sequence

    union all

    select
        idless_grouped.visit_id,
        idless_grouped.visitor_id,
        idless_grouped.report_source,
        idless_grouped.report_number,
        idless_grouped.order_key,
        idless_grouped.purchase_total,
        idless_grouped.cart_total,
        idless_grouped.item_count,
        idless_grouped.report_amount,
        idless_grouped.amount_source,
        idless_grouped.reported_at,
        idless_grouped.report_sequence,
        'unidentified:' || idless_grouped.visit_id || ':'
        || cast(idless_groups_numbered.order_number_in_visit as {{ dbt.type_string() }})
            as order_id,
        false as has_reported_order_id
    from idless_grouped
    inner join idless_groups_numbered
        on
            idless_grouped.visit_id = idless_groups_numbered.visit_id
            and idless_grouped.amount_group = idless_groups_numbered.amount_group

),

order_values_ranked as (

    -- Section 3: each order's total and item count, first found in a fixed precedence.
    select
        *,
        row_number() over (
            partition by order_id
            order by
                {{ lp_amount_precedence('amount_source') }},
                report_sequence
        ) as total_rank,
        row_number() over (
            partition by order_id
            order by
                case when item_count is null then 1 else 0 end,
                case report_source when 'purchase_attribute' then 0 else 1 end,
                report_sequence
        ) as item_count_rank,
        row_number() over (
            partition by order_id order by report_sequence
        ) as report_rank
    from order_reports_assigned

),

orders as (

    select
        order_id,
        max(case when report_rank = 1 then visit_id end) as visit_id,
        max(case when report_rank = 1 then visitor_id end) as visitor_id,
        max(case when total_rank = 1 then report_amount end) as order_total,
        max(case when total_rank = 1 then amount_source end) as order_total_source,
        max(case when item_count_rank = 1 then item_count end) as item_count,
        count(*) as report_count,
        bool_or(has_reported_order_id) as has_reported_order_id,
        bool_or(report_source = 'purchase_attribute') as is_reported_as_purchase_attribute,
        bool_or(report_source = 'purchase_goal') as is_reported_as_purchase_goal,
        min(reported_at) as ordered_at
    from order_values_ranked
    group by order_id

)

select * from orders
