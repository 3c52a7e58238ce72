-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as personal_info
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'personal_info'

),

contact_lists as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_items('personal_info', 'contacts') }} as contact_items
    from source

),

unnested as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_unnest('contact_items', 'contact', 'contact_number') }}
    from contact_lists

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        contact_number,
        {{ lp_hash_personal(lp_text('contact', 'email')) }} as email,
        {{ lp_hash_personal(lp_text('contact', 'phone')) }} as phone
    from unnested

)

select * from renamed
