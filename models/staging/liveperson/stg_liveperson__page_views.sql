{%- set typed = [] -%}
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
        navigation_json,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_parse_payloads('navigation_json', 'navigation') }} as pages
    from source

),

page_views as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_unnest('pages', 'page', 'page_view_number') }}
    from parsed

),

renamed as (

    select
        visit_id,
        visitor_id,
        page_view_number,
        lp_scrub_url(lp_text(page.url)) as page_url,
        lp_scrub_url(lp_text(page.referrerUrl)) as referrer_url,
        {{ lp_union_value('page.sections') }} as page_sections,
        {{ lp_typed(typed, 'page.timestamp', 'time') }} as viewed_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from page_views

)

select * from renamed
