{#
    Which visits a run recomputes, decided once: one row per visit ever landed, with the
    landing the warehouse keeps for it (the latest: latest landed_at, then file name,
    then line) and `changed_at`, when that last changed. Every incremental model
    recomputes the visits changed since the newest changed_at it holds (see
    macros/incremental/replace_changed_visits.sql).
    Incremental: a run looks only at the files landed since the newest changed_at here:
    the visits in them, and the visits whose kept landing was in them (a file landed
    again may have dropped a visit: it falls back to its other landing, or keeps a row
    with no landing, so that its rows downstream are deleted).
#}
with

records as (

    select
        file_name,
        line_number,
        landed_at,
        visit_id,
        visitor_id
    from {{ ref('base_liveperson__records') }}

),

landed_files as (

    select
        file_name,
        max(landed_at) as landed_at
    from records
    {% if is_incremental() -%}
        where landed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}
    group by file_name

),

changed_visits as (

    select distinct records.visit_id
    from records
    where records.file_name in (select landed_files.file_name from landed_files)
    {% if is_incremental() -%}
        union
        select held.visit_id
        from {{ this }} as held
        where held.file_name in (select landed_files.file_name from landed_files)
    {%- endif %}

),

landings_ranked as (

    select
        records.visit_id,
        records.visitor_id,
        records.file_name,
        records.line_number,
        records.landed_at,
        row_number() over (
            partition by records.visit_id
            order by
                records.landed_at desc,
                records.file_name desc,
                records.line_number desc
        ) as landing_rank
    from records
    where records.visit_id in (
        select changed_visits.visit_id from changed_visits
    )

),

kept_landings as (

    select * from landings_ranked
    where landing_rank = 1

),

changes as (

    select
        changed_visits.visit_id,
        {% if is_incremental() -%}
            coalesce(kept_landings.visitor_id, held.visitor_id) as visitor_id,
            held.visitor_id as previous_visitor_id,
        {%- else -%}
            kept_landings.visitor_id,
            cast(null as {{ dbt.type_string() }}) as previous_visitor_id,
        {%- endif %}
        kept_landings.file_name,
        kept_landings.line_number,
        kept_landings.landed_at,
        (select max(landed_files.landed_at) from landed_files) as changed_at
    from changed_visits
    left join kept_landings
        on changed_visits.visit_id = kept_landings.visit_id
    {% if is_incremental() -%}
        left join {{ this }} as held
            on changed_visits.visit_id = held.visit_id
    {%- endif %}
    where changed_visits.visit_id is not null

)

select * from changes
