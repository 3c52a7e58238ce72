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
        session_info_json,
        session_info_inline,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    -- One session-info body per visit; should a visit send several, the first counts.
    select
        visit_id,
        visitor_id,
        coalesce(
            {{ lp_list_element(
                lp_parse_payloads('session_info_json', 'session_info'), 1
            ) }},
            {{ lp_list_element('session_info_inline', 1) }}
        ) as session_record,
        changed_at
    from source

),

sessions as (

    select * from parsed
    where session_record is not null

),

renamed as (

    select
        visit_id,
        visitor_id,
        lp_text(session_record.userAgent) as user_agent,
        lp_text(session_record.deviceOS) as device_os,
        lp_text(session_record.deviceFamily) as device_family,
        lp_text(session_record.siteControlGroup) as site_control_group,
        lp_text(session_record.searchEngine) as search_engine,
        lp_scrub_text(lp_text(session_record.searchEngineKey)) as search_keywords,
        {{ lp_typed(typed, 'session_record.sessionStartTime', 'time') }}
            as session_started_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from sessions

)

select * from renamed
