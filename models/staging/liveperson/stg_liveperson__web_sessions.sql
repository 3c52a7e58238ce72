with

source as (

    select * from {{ ref('base_liveperson__web_session_records') }}
    where visit_id is not null and {{ lp_only_changed_visits() }}

),

renamed as (

    select
        visit_id,
        visitor_id,
        context_id,
        {{ lp_text('meta_data', 'accountId') }} as account_id,
        data_type,
        {{ lp_text('meta_data', 'schemaVersion') }} as schema_version,
        file_name as source_file_name,
        line_number as source_line_number,
        {{ lp_timestamp('meta_data', 'startTime') }} as started_at,
        {{ lp_timestamp('meta_data', 'endTime') }} as ended_at,
        landed_at
    from source

)

select * from renamed
