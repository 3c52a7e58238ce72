-- Every landed record's header, parsed once: which visit each raw row is, so that
-- base_liveperson__web_session_records deduplicates without parsing JSON again.
-- Incremental: only the raw rows landed after the newest landed_at already here are
-- parsed; a replaced file's rows come back with a new landed_at (delete+insert on file
-- and line), and rows gone from raw are deleted by lp_delete_stale_rows().
with

source as (

    select landed.* from {{ source('liveperson', 'web_sessions') }} as landed
    {% if lp_is_incremental() -%}
        where landed.landed_at > ({{ lp_watermark() }})
    {%- endif %}

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

)

select * from narrowed
