{#- Incremental staging: the helpers every incremental model uses (see the base and
    staging model docs). The strategy itself is chosen once, in dbt_project.yml. -#}

{% macro lp_is_incremental() -%}
    {#- is_incremental(), except under `dbt show`, which shows the whole model rather
        than the rows the next incremental run would recompute. -#}
    {%- set showing = flags is defined and flags.WHICH == 'show' -%}
    {{- return(is_incremental() and not showing) -}}
{%- endmacro %}

{% macro lp_watermark() -%}
    {#- The newest landed_at in this model (the start of time when it is empty). -#}
    select coalesce(max(held.landed_at), cast('0001-01-01' as timestamp))
    from {{ this }} as held
{%- endmacro %}

{% macro lp_recomputed_landings(landed) -%}
    {#- For base_liveperson__web_session_records on incremental runs: a condition on
        the landings `landed` (base_liveperson__landed_records) that keeps every landing
        of a visit landed after the watermark or whose kept landing is gone from
        base_liveperson__landed_records (its file was replaced), and the records
        without a visit id landed after the watermark. -#}
    (
        {{ landed }}.visit_id in (
            select new_landing.visit_id
            from {{ ref('base_liveperson__landed_records') }} as new_landing
            where new_landing.landed_at > ({{ lp_watermark() }})
            union
            select held.visit_id
            from {{ this }} as held
            where
                held.visit_id is not null
                and not exists (
                    select 1
                    from {{ ref('base_liveperson__landed_records') }} as still_landed
                    where
                        still_landed.file_name = held.file_name
                        and still_landed.line_number = held.line_number
                        and still_landed.landed_at = held.landed_at
                )
        )
        or (
            {{ landed }}.visit_id is null
            and {{ landed }}.landed_at > ({{ lp_watermark() }})
        )
    )
{%- endmacro %}

{% macro lp_changed_visits() -%}
    {#- The visits an incremental run recomputes in this model: those whose kept landing
        in base_liveperson__web_session_records is newer than the newest landed_at in
        this model, and those whose kept landing is no longer the one this model holds
        (replaced, or fallen back to an older landing). -#}
    select visit_id
    from {{ ref('base_liveperson__web_session_records') }}
    where
        visit_id is not null
        and landed_at > ({{ lp_watermark() }})
    union
    select held.visit_id
    from {{ this }} as held
    left join {{ ref('base_liveperson__web_session_records') }} as kept
        on held.visit_id = kept.visit_id
    where kept.landed_at is null or kept.landed_at <> held.landed_at
{%- endmacro %}

{% macro lp_changed_visitors() -%}
    {#- The visitors of the visits lp_changed_visits() lists, as this model holds
        them and as stg_liveperson__web_sessions keeps them now (a visit landed again
        may name another visitor): what the models whose rows depend on a visitor's
        other visits (identity carried from visit to visit) recompute. -#}
    with changed_visits as (
        {{ lp_changed_visits() }}
    )

    select kept.visitor_id
    from {{ ref('stg_liveperson__web_sessions') }} as kept
    where kept.visit_id in (select changed_visits.visit_id from changed_visits)
    union
    select held.visitor_id
    from {{ this }} as held
    where held.visit_id in (select changed_visits.visit_id from changed_visits)
{%- endmacro %}

{% macro lp_only_changed_visits(visit_id='visit_id') -%}
    {#- A where-clause condition: true on a full build, on an incremental run only for
        the visits lp_changed_visits() lists. -#}
    {%- if lp_is_incremental() -%}
        {{ visit_id }} in ({{ lp_changed_visits() }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro lp_delete_stale_rows() -%}
    {#- Post-hook of every incremental staging model: after delete+insert, removes the
        rows whose landing is gone (a visit dropped from a replaced file, or superseded
        without new rows in this model). Nothing on full builds and on tables. -#}
    {%- if lp_is_incremental() -%}
        {%- if this.identifier == 'base_liveperson__landed_records' -%}
            delete from {{ this }} as held
            where not exists (
                select 1
                from {{ source('liveperson', 'web_sessions') }} as landed
                where
                    landed.file_name = held.file_name
                    and landed.line_number = held.line_number
                    and landed.landed_at = held.landed_at
            )
        {%- elif this.identifier == 'base_liveperson__web_session_records' -%}
            delete from {{ this }} as held
            where not exists (
                select 1
                from {{ ref('base_liveperson__landed_records') }} as landed
                where
                    landed.file_name = held.file_name
                    and landed.line_number = held.line_number
                    and landed.landed_at = held.landed_at
            )
        {%- else -%}
            delete from {{ this }} as held
            where not exists (
                select 1
                from {{ ref('base_liveperson__web_session_records') }} as kept
                where
                    kept.visit_id = held.visit_id
                    and kept.landed_at = held.landed_at
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
