-- The one place where re-landed visits are deduplicated (GitLab's dedupe_source
-- pattern): every staging model reads visits through this model (the bodies model reads
-- the records it keeps), so only the latest landing counts. Narrow on purpose: the
-- record's bodies are split once, by base_liveperson__record_bodies.
with

source as (

    select * from {{ source('liveperson', 'web_sessions') }}

),

unwrapped as (

    select
        file_name,
        line_number,
        landed_at,
        record,
        {{ lp_text('record', 'dataType') }} as data_type,
        {{ lp_field('record', 'metaData') }} as meta_data,
        {{ lp_items('record', 'recordCollection') }} as record_bodies
    from source

),

headed as (

    -- Every body repeats the visitor header; the first body's is the visit's.
    select
        *,
        {{ lp_field(lp_list_element('record_bodies', 1), 'body.header') }}
            as visitor_header
    from unwrapped

),

identified as (

    select
        {{ lp_text('visitor_header', 'visitId') }} as visit_id,
        {{ lp_text('visitor_header', 'visitorId') }} as visitor_id,
        {{ lp_text('visitor_header', 'contextId') }} as context_id,
        data_type,
        meta_data,
        record,
        file_name,
        line_number,
        landed_at
    from headed

),

narrowed as (

    -- The record itself is kept only where nothing identifies it (for
    -- unrecognized_records).
    select
        visit_id,
        visitor_id,
        context_id,
        data_type,
        meta_data,
        file_name,
        line_number,
        landed_at,
        case when visit_id is null then record end as unidentified_record
    from identified

),

deduplicated as (

    -- The latest landing of a visit wins. A record without a visit id cannot be matched
    -- to another, so each is kept (for unrecognized_records) rather than collapsed.
    select *
    from narrowed
    qualify row_number() over (
        partition by
            visit_id,
            case when visit_id is null then file_name end,
            case when visit_id is null then line_number end
        order by landed_at desc, file_name desc, line_number desc
    ) = 1

)

select * from deduplicated
