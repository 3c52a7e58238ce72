-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as customer_info,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'customer_info'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        -- The brand's own pseudonymous id and the join key to its membership list: in
        -- clear.
        {{ lp_text('customer_info', 'customerId') }} as customer_id,
        {{ lp_text('customer_info', 'authenticatedConversationId') }}
            as authenticated_conversation_id,
        {{ lp_hash_personal(lp_text('customer_info', 'socialId')) }} as social_id,
        {{ lp_hash_personal(lp_text('customer_info', 'imei')) }} as imei,
        {{ lp_hash_personal(lp_text('customer_info', 'userName')) }} as user_name,
        {{ lp_text('customer_info', 'customerStatus') }} as customer_status,
        {{ lp_text('customer_info', 'customerType') }} as customer_type,
        {{ lp_text('customer_info', 'accountName') }} as account_name,
        {{ lp_text('customer_info', 'role') }} as customer_role,
        {{ lp_text('customer_info', 'storeNumber') }} as store_number,
        {{ lp_text('customer_info', 'storeZipCode') }} as store_zip_code,
        {{ lp_money('customer_info', 'balance') }} as balance,
        {{ lp_value('customer_info', 'companySize', 'integer') }} as company_size,
        {{ lp_value('customer_info', 'isAuthenticated', 'boolean') }}
            as is_authenticated,
        {{ lp_ymd_date('customer_info', 'lastPaymentDate') }} as last_payment_date,
        {{ lp_ymd_date('customer_info', 'registrationDate') }} as registration_date,
        reported_at
    from source

)

select * from renamed
