-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'session_info'

),

payloads as (

    -- The payload's field name is not published: read the body's only field but header.
    select
        visit_id,
        landed_at,
        visitor_id,
        {{ lp_body_payload('body') }} as session_info
    from source

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        {{ lp_text('session_info', 'userAgent') }} as user_agent,
        {{ lp_text('session_info', 'deviceOS') }} as device_os,
        {{ lp_text('session_info', 'deviceFamily') }} as device_family,
        {{ lp_text('session_info', 'siteControlGroup') }} as site_control_group,
        {{ lp_text('session_info', 'searchEngine') }} as search_engine,
        {{ lp_text('session_info', 'searchEngineKey') }} as search_keywords,
        {{ lp_timestamp('session_info', 'sessionStartTime') }} as session_started_at
    from payloads

)

select * from renamed
