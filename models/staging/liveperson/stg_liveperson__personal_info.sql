-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as personal_info,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'personal_info'

),

ages as (

    select
        *,
        {{ lp_field('personal_info', 'customerAge') }} as customer_age
    from source

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('personal_info', 'authenticatedConversationId') }}
            as authenticated_conversation_id,
        {{ lp_hash_personal(lp_text('personal_info', 'name')) }} as first_name,
        {{ lp_hash_personal(lp_text('personal_info', 'surname')) }} as surname,
        {{ lp_text('personal_info', 'gender') }} as gender,
        {{ lp_text('personal_info', 'company') }} as company,
        {{ lp_value('customer_age', 'customerAgeInYears', 'integer') }} as age_in_years,
        {{ lp_value('customer_age', 'customerYearOfBirth', 'integer') }} as birth_year,
        {{ lp_value('customer_age', 'customerMonthOfBirth', 'integer') }}
            as birth_month,
        -- Spelled CustomerDateOfBirth in the reference's table, customerDateOfBirth in
        -- Avro's usual style: either is read. With year and month it is a birth date.
        {{ lp_hash_personal(
            'coalesce(' ~ lp_text('customer_age', 'customerDateOfBirth') ~ ', '
            ~ lp_text('customer_age', 'CustomerDateOfBirth') ~ ')'
        ) }} as birth_day,
        {{ lp_list_length(lp_items('personal_info', 'contacts')) }} as contact_count,
        {{ lp_value('personal_info', 'isAuthenticated', 'boolean') }}
            as is_authenticated,
        reported_at
    from ages

)

select * from renamed
