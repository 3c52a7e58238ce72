-- Tests of the unwrapping macros (macros/avro.sql, macros/engine/): one row per case,
-- the macro's result as text ('is null' for null) beside the expected text. Returns the
-- cases that differ.

with

checks as (

    select
        checks_table.check_name,
        checks_table.actual,
        checks_table.expected
    from (
        values
        (
            'unwrap a primitive branch',
            {{ shown(lp_text("'{\"string\":\"x\"}'")) }},
            'x'
        ),
        (
            'unwrap a named (dotted) branch',
            {{ shown(lp_text(
                "'{\"com.liveperson.dataaccess.Goal\":{\"id\":{\"long\":7}}}'", 'id'
            )) }},
            '7'
        ),
        (
            'a one-field record is not a wrapper',
            {{ shown(lp_text("'{\"url\":\"https://a\"}'", 'url')) }},
            'https://a'
        ),
        (
            'a record whose first key is a branch name is not a wrapper',
            {{ shown(lp_text("'{\"array\":[1],\"other\":2}'", 'other')) }},
            '2'
        ),
        (
            'pretty-printed wrapper',
            {{ shown(lp_text("'{ \"long\" :\n 5 }'")) }},
            '5'
        ),
        (
            'nested path, every step wrapped or bare',
            {{ shown(lp_text(
                "'{\"a\":{\"com.x.A\":{\"b\":{\"c\":{\"int\":3}}}}}'", 'a.b.c'
            )) }},
            '3'
        ),
        (
            'JSON null is SQL null',
            {{ shown(lp_text("'{\"a\":null}'", 'a')) }},
            'is null'
        ),
        (
            'a null inside a wrapper is SQL null',
            {{ shown(lp_field("'{\"a\":{\"string\":null}}'", 'a')) }},
            'is null'
        ),
        (
            'absent field is SQL null',
            {{ shown(lp_text("'{\"a\":1}'", 'b')) }},
            'is null'
        ),
        (
            'wrapper name',
            {{ shown(lp_wrapper_name("'{\"com.liveperson.dataaccess.Goal\":{}}'")) }},
            'com.liveperson.dataaccess.Goal'
        ),
        (
            'no wrapper name for a record of several fields',
            {{ shown(lp_wrapper_name("'{\"a\":1,\"b\":2}'")) }},
            'is null'
        ),
        (
            'short lower-cased wrapper type (lp_wrapper_type)',
            {{ shown(lp_wrapper_type(
                "'{\"com.liveperson.dataaccess.LeadMetaData\":{}}'"
            )) }},
            'leadmetadata'
        ),
        (
            'items of a wrapped array',
            {{ shown(lp_list_length(lp_items("'{\"a\":{\"array\":[1,2,3]}}'", 'a'))) }},
            '3'
        ),
        (
            'an empty array has no items',
            {{ shown(lp_list_length(lp_items("'{\"a\":[]}'", 'a'))) }},
            '0'
        ),
        (
            'a null array is null',
            {{ shown(lp_list_length(lp_items("'{\"a\":null}'", 'a'))) }},
            'is null'
        ),
        (
            'text items keep their order',
            {{ shown(lp_list_element(
                lp_text_items("'{\"s\":{\"array\":[\"b\",\"a\"]}}'", 's'), 2
            )) }},
            'a'
        ),
        (
            'one field of every item (lp_item_values)',
            {{ shown(lp_list_element(lp_item_values(
                "'{\"p\":{\"array\":[{\"id\":{\"long\":5}},{\"id\":{\"long\":6}}]}}'",
                'p', 'id', 'bigint'
            ), 2)) }},
            '6'
        ),
        (
            'body payload: the only field besides header, unwrapped',
            {{ shown(lp_text(lp_body_payload(
                "'{\"header\":{},\"geo\":{\"com.x.Geo\":"
                ~ "{\"city\":{\"string\":\"Oslo\"}}}}'"
            ), 'city')) }},
            'Oslo'
        ),
        (
            'body payload: fields inline',
            {{ shown(lp_text(lp_body_payload(
                "'{\"header\":{},\"city\":\"Oslo\",\"isp\":\"x\"}'"
            ), 'city')) }},
            'Oslo'
        ),
        (
            'epoch milliseconds',
            {{ shown(lp_timestamp("'{\"t\":{\"long\":1467291704468}}'", 't')) }},
            '2016-06-30 13:01:44.468'
        ),
        (
            'ISO with offset to UTC',
            {{ shown(
                lp_timestamp("'{\"t\":\"2016-06-30T15:01:44.468+02:00\"}'", 't')
            ) }},
            '2016-06-30 13:01:44.468'
        ),
        (
            'zone-less ISO is UTC',
            {{ shown(lp_timestamp("'{\"t\":\"2016-06-30T13:01:44\"}'", 't')) }},
            '2016-06-30 13:01:44'
        ),
        (
            'not a time is null',
            {{ shown(lp_timestamp("'{\"t\":\"soon\"}'", 't')) }},
            'is null'
        ),
        (
            'YMD record to date',
            {{ shown(lp_ymd_date(
                "'{\"d\":{\"com.x.YMDDate\":{\"year\":{\"int\":2024},"
                ~ "\"month\":{\"int\":2},\"day\":{\"int\":29}}}}'",
                'd'
            )) }},
            '2024-02-29'
        ),
        (
            'impossible YMD date is null',
            {{ shown(lp_ymd_date(
                "'{\"d\":{\"year\":2023,\"month\":2,\"day\":29}}'", 'd'
            )) }},
            'is null'
        ),
        (
            'money keeps four decimals',
            {{ shown(lp_money("'{\"m\":{\"double\":0.0049}}'", 'm')) }},
            '0.0049'
        ),
        (
            'short type name',
            {{ shown(lp_short_type_name("'com.liveperson.dataaccess.CartStatus'")) }},
            'CartStatus'
        ),
        (
            'personal data hashed unless kept in clear',
            {{ shown(lp_hash_personal("'BrookeR@blinds.com'")) }},
            {% if var('keep_personal_data_in_clear', false) in [true, 'true'] -%}
                'BrookeR@blinds.com'
            {%- else -%}
                '85dd3c667167b2af836cb3296f8365e39b903f2f7d1881a034d5036d1a835a4c'
            {%- endif %}
        )
    ) as checks_table (check_name, actual, expected)

)

select
    check_name,
    actual,
    expected
from checks
where actual <> expected
