-- Test of the generic test `unique_combination` (macros/tests/): on a fixture with
-- exactly two duplicated combinations, one of them involving a null, it must return two
-- rows.
with

found as (

    {{ test_unique_combination(
        model='(
            select 1 as a, 2 as b
            union all select 1, 2
            union all select 1, null
            union all select 1, null
            union all select 2, 2
        ) as fixture',
        columns=['a', 'b']
    ) }}

),

counted as (

    select count(*) as duplicated_combinations from found

)

select * from counted
where duplicated_combinations <> 2
