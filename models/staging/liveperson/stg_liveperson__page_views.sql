-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        body
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'navigation'

),

navigation_lists as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_items('body', 'navigationData') }} as page_view_items
    from source

),

unnested as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_unnest('page_view_items', 'page_view', 'item_position') }}
    from navigation_lists

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        -- Position in the visit: array order (LivePerson's), across bodies if there are
        -- more.
        row_number() over (
            partition by visit_id order by body_position, item_position
        ) as page_view_number,
        {{ lp_text('page_view', 'url') }} as page_url,
        {{ lp_text('page_view', 'referrerUrl') }} as referrer_url,
        {{ lp_text_items('page_view', 'sections') }} as page_sections,
        {{ lp_timestamp('page_view', 'timestamp') }} as viewed_at
    from unnested

)

select * from renamed
