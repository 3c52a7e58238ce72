{# E-mail addresses and phone numbers: keyed hashes (lp_pseudonym). #}
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
        attribute_number,
        {{ lp_parse_member('attribute_json', 'PersonalInfo') }} as person,
        reported_time,
        changed_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        attribute_type = 'personal_info'
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

contacts as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        changed_at,
        {{ lp_unnest(lp_union_value('person.contacts'), 'contact', 'contact_number') }}
    from source

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        contact_number,
        changed_at,
        lp_pseudonym(lower(trim(lp_text(contact.email)))) as email,
        lp_pseudonym(lp_text(contact.phone)) as phone
    from contacts

)

select * from renamed
