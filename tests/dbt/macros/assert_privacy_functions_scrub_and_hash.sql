-- The privacy functions (macros/privacy.sql, created before every run) do what the
-- doc block `personal_data` says: lp_scrub_url removes user info, the fragment, the
-- values of personal parameters and e-mail addresses and keeps the rest; lp_scrub_text
-- replaces e-mail addresses; lp_pseudonym is a stable keyed hash, not the unsalted
-- SHA-256 anyone can recompute; lp_customer_key trims blanks and lower-cases,
-- lp_order_key only trims.
-- Returns every check whose result differs from the expected text.
with

checks as (

    select
        'url with user info, e-mail, token and fragment' as check_name,
        {{ shown("lp_scrub_url(
            'https://ann:secret@shop.example.com/cart/1?email=ann%40example.com'
            || '&token=abc123&q=shoes&ref=ann.lee@example.org#order-77'
        )") }} as actual,
        'https://shop.example.com/cart/1?email=redacted&token=redacted&q=shoes'
        || '&ref=redacted' as expected

    union all

    select
        'personal parameters in any case, others kept' as check_name,
        {{ shown(
            "lp_scrub_url('http://x.example/p?Name=Al&SessionId=9&page=2&phone=555')"
        ) }} as actual,
        'http://x.example/p?Name=redacted&SessionId=redacted&page=2&phone=redacted'
            as expected

    union all

    select
        'url without personal data unchanged' as check_name,
        {{ shown("lp_scrub_url('https://shop.example.com/a/b?sku=12&size=m')") }}
            as actual,
        'https://shop.example.com/a/b?sku=12&size=m' as expected

    union all

    select
        'e-mail in free text' as check_name,
        {{ shown("lp_scrub_text('write to Bob.Smith@example.com now')") }} as actual,
        'write to redacted now' as expected

    union all

    select
        'pseudonym: 64 hex digits' as check_name,
        {{ shown("length(lp_pseudonym('ann@example.com'))") }} as actual,
        '64' as expected

    union all

    select
        'pseudonym: the same value, the same hash' as check_name,
        {{ shown("lp_pseudonym('ann@example.com') = lp_pseudonym('ann@example.com')") }}
            as actual,
        {{ shown('true') }} as expected

    union all

    select
        'pseudonym: another value, another hash' as check_name,
        {{ shown("lp_pseudonym('ann@example.com') = lp_pseudonym('Ann@example.com')") }}
            as actual,
        {{ shown('false') }} as expected

    union all

    select
        'pseudonym: keyed, not the unsalted SHA-256' as check_name,
        {{ shown("lp_pseudonym('ann@example.com') = '71d4f55f72fa128dfb468a1a3901507c"
            ~ "804b74316488744d769d7f4b16696476'") }} as actual,
        {{ shown('false') }} as expected

    union all

    select
        'pseudonym of null' as check_name,
        {{ shown("lp_pseudonym(cast(null as " ~ dbt.type_string() ~ "))") }} as actual,
        'is null' as expected

    union all

    select
        'customer key: trimmed of blanks, lower-cased' as check_name,
        {{ shown(lp_customer_key("'  Cust-55' || chr(9) || chr(13) || chr(10)")) }}
            as actual,
        'cust-55' as expected

    union all

    select
        'customer key: blanks only are no customer' as check_name,
        {{ shown(lp_customer_key("' ' || chr(9) || ' '")) }} as actual,
        'is null' as expected

    union all

    select
        'order key: trimmed, case kept' as check_name,
        {{ shown(lp_order_key("' T30-A' || chr(9)")) }} as actual,
        'T30-A' as expected

)

select * from checks
where actual != expected
