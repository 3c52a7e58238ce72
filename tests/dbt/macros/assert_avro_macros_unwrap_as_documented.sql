-- Tests of the unwrapping macros (macros/avro.sql, macros/engine/): one row per case,
-- the macro's result as text ('is null' for null) beside the expected text. Returns the
-- cases that differ. Selects joined by `union all`, not a VALUES list: Spark evaluates
-- only constants in VALUES, and this test runs on both engines.

with

checks as (

    select
        checks_table.check_name,
        checks_table.actual,
        checks_table.expected
    from (
        select
            'unwrap a primitive branch' as check_name,
            {{ shown(lp_text("'{\"string\":\"x\"}'")) }} as actual,
            'x' as expected
        union all
        select
            'unwrap a named (dotted) branch' as check_name,
            {{ shown(lp_text(
                "'{\"com.liveperson.dataaccess.Goal\":{\"id\":{\"long\":7}}}'", 'id'
            )) }} as actual,
            '7' as expected
        union all
        select
            'a one-field record is not a wrapper' as check_name,
            {{ shown(lp_text("'{\"url\":\"https://a\"}'", 'url')) }} as actual,
            'https://a' as expected
        union all
        select
            'a record whose first key is a branch name is not a wrapper' as check_name,
            {{ shown(lp_text("'{\"array\":[1],\"other\":2}'", 'other')) }} as actual,
            '2' as expected
        union all
        select
            'pretty-printed wrapper' as check_name,
            {{ shown(lp_text("'{ \"long\" :\n 5 }'")) }} as actual,
            '5' as expected
        union all
        select
            'nested path, every step wrapped or bare' as check_name,
            {{ shown(lp_text(
                "'{\"a\":{\"com.x.A\":{\"b\":{\"c\":{\"int\":3}}}}}'", 'a.b.c'
            )) }} as actual,
            '3' as expected
        union all
        select
            'JSON null is SQL null' as check_name,
            {{ shown(lp_text("'{\"a\":null}'", 'a')) }} as actual,
            'is null' as expected
        union all
        select
            'a null inside a wrapper is SQL null' as check_name,
            {{ shown(lp_field("'{\"a\":{\"string\":null}}'", 'a')) }} as actual,
            'is null' as expected
        union all
        select
            'absent field is SQL null' as check_name,
            {{ shown(lp_text("'{\"a\":1}'", 'b')) }} as actual,
            'is null' as expected
        union all
        select
            'wrapper name' as check_name,
            {{ shown(
                lp_wrapper_name("'{\"com.liveperson.dataaccess.Goal\":{}}'")
            ) }} as actual,
            'com.liveperson.dataaccess.Goal' as expected
        union all
        select
            'no wrapper name for a record of several fields' as check_name,
            {{ shown(lp_wrapper_name("'{\"a\":1,\"b\":2}'")) }} as actual,
            'is null' as expected
        union all
        select
            'short lower-cased wrapper type (lp_wrapper_type)' as check_name,
            {{ shown(lp_wrapper_type(
                "'{\"com.liveperson.dataaccess.LeadMetaData\":{}}'"
            )) }} as actual,
            'leadmetadata' as expected
        union all
        select
            'items of a wrapped array' as check_name,
            {{ shown(
                lp_list_length(lp_items("'{\"a\":{\"array\":[1,2,3]}}'", 'a'))
            ) }} as actual,
            '3' as expected
        union all
        select
            'an empty array has no items' as check_name,
            {{ shown(lp_list_length(lp_items("'{\"a\":[]}'", 'a'))) }} as actual,
            '0' as expected
        union all
        select
            'a null array is null' as check_name,
            {{ shown(lp_list_length(lp_items("'{\"a\":null}'", 'a'))) }} as actual,
            'is null' as expected
        union all
        select
            'text items keep their order' as check_name,
            {{ shown(lp_list_element(
                lp_text_items("'{\"s\":{\"array\":[\"b\",\"a\"]}}'", 's'), 2
            )) }} as actual,
            'a' as expected
        union all
        select
            'one field of every item (lp_item_values)' as check_name,
            {{ shown(lp_list_element(lp_item_values(
                "'{\"p\":{\"array\":[{\"id\":{\"long\":5}},{\"id\":{\"long\":6}}]}}'",
                'p', 'id', 'bigint'
            ), 2)) }} as actual,
            '6' as expected
        union all
        select
            'body payload: the only field besides header, unwrapped' as check_name,
            {{ shown(lp_text(lp_body_payload(
                "'{\"header\":{},\"geo\":{\"com.x.Geo\":"
                ~ "{\"city\":{\"string\":\"Oslo\"}}}}'"
            ), 'city')) }} as actual,
            'Oslo' as expected
        union all
        select
            'body payload: fields inline' as check_name,
            {{ shown(lp_text(lp_body_payload(
                "'{\"header\":{},\"city\":\"Oslo\",\"isp\":\"x\"}'"
            ), 'city')) }} as actual,
            'Oslo' as expected
        union all
        select
            'epoch milliseconds' as check_name,
            {{ shown(
                lp_timestamp("'{\"t\":{\"long\":1467291704468}}'", 't')
            ) }} as actual,
            '2016-06-30 13:01:44.468' as expected
        union all
        select
            'ISO with offset to UTC' as check_name,
            {{ shown(
                lp_timestamp("'{\"t\":\"2016-06-30T15:01:44.468+02:00\"}'", 't')
            ) }} as actual,
            '2016-06-30 13:01:44.468' as expected
        union all
        select
            'zone-less ISO is UTC' as check_name,
            {{ shown(
                lp_timestamp("'{\"t\":\"2016-06-30T13:01:44\"}'", 't')
            ) }} as actual,
            '2016-06-30 13:01:44' as expected
        union all
        select
            'not a time is null' as check_name,
            {{ shown(lp_timestamp("'{\"t\":\"soon\"}'", 't')) }} as actual,
            'is null' as expected
        union all
        select
            'YMD record to date' as check_name,
            {{ shown(lp_ymd_date(
                "'{\"d\":{\"com.x.YMDDate\":{\"year\":{\"int\":2024},"
                ~ "\"month\":{\"int\":2},\"day\":{\"int\":29}}}}'",
                'd'
            )) }} as actual,
            '2024-02-29' as expected
        union all
        select
            'impossible YMD date is null' as check_name,
            {{ shown(lp_ymd_date(
                "'{\"d\":{\"year\":2023,\"month\":2,\"day\":29}}'", 'd'
            )) }} as actual,
            'is null' as expected
        union all
        select
            'money keeps four decimals' as check_name,
            {{ shown(lp_money("'{\"m\":{\"double\":0.0049}}'", 'm')) }} as actual,
            '0.0049' as expected
        union all
        select
            'short type name' as check_name,
            {{ shown(
                lp_short_type_name("'com.liveperson.dataaccess.CartStatus'")
            ) }} as actual,
            'CartStatus' as expected
        union all
        select
            'personal data hashed unless kept in clear' as check_name,
            {{ shown(lp_hash_personal("'BrookeR@blinds.com'")) }} as actual,
            {% if var('keep_personal_data_in_clear', false) in [true, 'true'] -%}
                'BrookeR@blinds.com'
            {%- else -%}
                '85dd3c667167b2af836cb3296f8365e39b903f2f7d1881a034d5036d1a835a4c'
            {%- endif %} as expected
    ) as checks_table

)

select
    check_name,
    actual,
    expected
from checks
where actual <> expected
