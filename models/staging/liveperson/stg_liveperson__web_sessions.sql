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
        context_id,
        data_type,
        meta,
        file_name,
        line_number,
        landed_at,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

renamed as (

    select
        visit_id,
        visitor_id,
        context_id,
        lp_text(meta.accountId) as account_id,
        data_type,
        meta.schemaVersion as schema_version,
        file_name as source_file_name,
        line_number as source_line_number,
        {{ lp_typed(typed, 'meta.startTime', 'time') }} as started_at,
        {{ lp_typed(typed, 'meta.endTime', 'time') }} as ended_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        landed_at,
        changed_at
    from source

)

select * from renamed
