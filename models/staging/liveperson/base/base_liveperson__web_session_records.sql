-- The one place where re-landed visits are deduplicated (GitLab's dedupe_source
-- pattern): every staging model reads visits through this model (the bodies model reads
-- the records it keeps), so only the latest landing counts. Narrow on purpose: the
-- record's bodies are split once, by base_liveperson__record_bodies.
-- Incremental: a run recomputes every visit landed after the newest landed_at here and
-- every visit whose kept landing is gone from raw (its file was replaced), choosing
-- among all its landings; lp_delete_stale_rows() then drops visits left with none.
with

landed as (

    select * from {{ ref('base_liveperson__landed_records') }}

),

source as (

    -- On incremental runs: every landing of the visits to recompute, and the new
    -- records that no visit id identifies (lp_recomputed_landings).
    select * from landed
    {% if lp_is_incremental() -%}
        where {{ lp_recomputed_landings('landed') }}
    {%- endif %}

),

ranked as (

    -- The latest landing of a visit wins. A record without a visit id cannot be matched
    -- to another, so each is kept (for unrecognized_records) rather than collapsed.
    -- A filter on the rank, not `qualify`: Spark has no qualify.
    select
        visit_id,
        visitor_id,
        context_id,
        data_type,
        meta_data,
        file_name,
        line_number,
        landed_at,
        unidentified_record,
        row_number() over (
            partition by
                visit_id,
                case when visit_id is null then file_name end,
                case when visit_id is null then line_number end
            order by landed_at desc, file_name desc, line_number desc
        ) as landing_rank
    from source

),

deduplicated as (

    select
        visit_id,
        visitor_id,
        context_id,
        data_type,
        meta_data,
        file_name,
        line_number,
        landed_at,
        unidentified_record
    from ranked
    where landing_rank = 1

)

select * from deduplicated
