{#
    MetricFlow's time spine: one row per day from 2015-01-01 to 2040-12-31. Plain
    SQL and dbt's own dateadd, so it builds on DuckDB and on Spark alike: the day
    numbers are the digits 0-9 crossed four times (0 to 9,999).
#}
{{ config(materialized='table', schema='semantic') }}

with

digits as (

    select 0 as digit
    union all
    select 1 as digit
    union all
    select 2 as digit
    union all
    select 3 as digit
    union all
    select 4 as digit
    union all
    select 5 as digit
    union all
    select 6 as digit
    union all
    select 7 as digit
    union all
    select 8 as digit
    union all
    select 9 as digit

),

day_numbers as (

    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit as day_number
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands

),

days as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_number', "cast('2015-01-01' as date)") }}
            as date
        ) as date_day
    from day_numbers

)

select date_day
from days
where date_day <= cast('2040-12-31' as date)
