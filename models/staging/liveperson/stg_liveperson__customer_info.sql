{%- set typed = [] -%}
{#
    The customer the site identified. customer_id is the brand's own pseudonymous key
    (how it joins its membership list): kept as sent. User names, social ids and IMEIs
    are personal data: keyed hashes (lp_pseudonym).
#}
with

changed_visits as (

    -- The visits to recompute: on an incremental run, those whose kept landing changed
    -- since this model's last run (base_liveperson__visit_changes); all on a full one.
    select visit_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}

),

source as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        {{ lp_parse_member('attribute_json', 'CustomerInfo') }} as info,
        reported_time,
        changed_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        attribute_type = 'customer_info'
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

dates as (

    select
        *,
        {{ lp_union_value('info.lastPaymentDate') }} as last_payment,
        {{ lp_union_value('info.registrationDate') }} as registration
    from source

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        lp_text(info.customerId) as customer_id,
        lp_text(info.authenticatedConversationId) as authenticated_conversation_id,
        lp_pseudonym(lp_text(info.socialId)) as social_id,
        lp_pseudonym(lp_text(info.imei)) as imei,
        lp_pseudonym(lp_text(info.userName)) as user_name,
        lp_pseudonym(lp_text(info.accountName)) as account_name,
        lp_text(info.customerStatus) as customer_status,
        lp_text(info.customerType) as customer_type,
        lp_text(info.role) as customer_role,
        lp_text(info.storeNumber) as store_number,
        lp_text(info.storeZipCode) as store_zip_code,
        {{ lp_typed(typed, 'info.balance', 'decimal') }} as balance,
        {{ lp_typed(typed, 'info.companySize', 'integer') }} as company_size,
        {{ lp_typed(typed, 'info.isAuthenticated', 'boolean') }} as is_authenticated,
        {{ lp_make_date(
            lp_typed(typed, 'last_payment.year', 'integer'),
            lp_typed(typed, 'last_payment.month', 'integer'),
            lp_typed(typed, 'last_payment.day', 'integer')
        ) }} as last_payment_date,
        {{ lp_make_date(
            lp_typed(typed, 'registration.year', 'integer'),
            lp_typed(typed, 'registration.month', 'integer'),
            lp_typed(typed, 'registration.day', 'integer')
        ) }} as registration_date,
        lp_time(reported_time) as reported_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from dates

)

select * from renamed
