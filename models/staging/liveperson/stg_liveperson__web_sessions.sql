with

source as (

    select * from {{ source('liveperson', 'web_sessions') }}

),

unwrapped as (

    select
        file_name,
        line_number,
        landed_at,
        {{ lp_field('record', 'metaData') }} as meta_data,
        -- Every body repeats the visitor header; the first body's is the visit's.
        {{ lp_field(lp_json_get(lp_field('record', 'recordCollection'), '$[0]'), 'body.header') }}
            as visitor_header
    from source

),

renamed as (

    select
        {{ lp_text('visitor_header', 'visitId') }} as visit_id,
        {{ lp_text('visitor_header', 'visitorId') }} as visitor_id,
        {{ lp_text('visitor_header', 'contextId') }} as context_id,
        {{ lp_text('meta_data', 'accountId') }} as account_id,
        {{ lp_text('meta_data', 'schemaVersion') }} as schema_version,
        file_name as source_file_name,
        line_number as source_line_number,
        {{ lp_to_utc_timestamp(lp_text('meta_data', 'startTime')) }} as started_at,
        {{ lp_to_utc_timestamp(lp_text('meta_data', 'endTime')) }} as ended_at,
        landed_at
    from unwrapped

),

deduplicated as (

    -- The same visit can be landed from more than one file (late re-deliveries): the latest
    -- landing wins.
    select *
    from renamed
    where visit_id is not null
    qualify row_number() over (
        partition by visit_id
        order by landed_at desc, source_file_name desc, source_line_number desc
    ) = 1

)

select * from deduplicated
