{#
    The visit's location. IP addresses are personal data: keyed hashes here (the clear
    values stay in raw).
#}
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
        geo_json,
        geo_inline,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    -- One GEO body per visit; should a visit send several, the first counts.
    select
        visit_id,
        visitor_id,
        coalesce(
            {{ lp_list_element(lp_parse_payloads('geo_json', 'geo'), 1) }},
            {{ lp_list_element('geo_inline', 1) }}
        ) as geo,
        changed_at
    from source

),

locations as (

    select * from parsed
    where geo is not null

),

renamed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        lp_text(geo.country) as country,
        lp_text(geo.countryCode) as country_code,
        lp_text(geo.state) as state,
        lp_text(geo.city) as city,
        lp_text(geo.org) as organization,
        lp_text(geo.isp) as isp,
        lp_pseudonym(lp_text(geo.iPV4)) as ipv4_address,
        lp_pseudonym(lp_text(geo.iPV6)) as ipv6_address
    from locations

)

select * from renamed
