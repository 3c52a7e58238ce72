-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'geo'

),

payloads as (

    -- The payload's field name is not published: read the body's only field but header.
    select
        visit_id,
        landed_at,
        visitor_id,
        {{ lp_body_payload('body') }} as geo
    from source

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        {{ lp_text('geo', 'country') }} as country,
        {{ lp_text('geo', 'countryCode') }} as country_code,
        {{ lp_text('geo', 'state') }} as state,
        {{ lp_text('geo', 'city') }} as city,
        {{ lp_text('geo', 'org') }} as organization,
        {{ lp_text('geo', 'isp') }} as isp,
        {{ lp_hash_personal(lp_text('geo', 'iPV4')) }} as ipv4_address,
        {{ lp_hash_personal(lp_text('geo', 'iPV6')) }} as ipv6_address
    from payloads

)

select * from renamed
