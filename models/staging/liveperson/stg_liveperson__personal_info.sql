{%- set typed = [] -%}
{#
    What the site said about the person. Names are personal data: keyed hashes
    (lp_pseudonym). Age and birth date are generalised to an age band at the time of
    the report (a birth year, month or day alone is too small a range to hide in a hash:
    they stay in raw). Gender and company stay in raw too.
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
        attribute_number,
        {{ lp_parse_member('attribute_json', 'PersonalInfo') }} as person,
        reported_time,
        changed_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        attribute_type = 'personal_info'
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

ages as (

    select
        *,
        {{ lp_union_value('person.customerAge') }} as age
    from source

),

ages_in_years as (

    select
        *,
        coalesce(
            {{ lp_typed(typed, 'age.customerAgeInYears', 'integer') }},
            year(lp_time(reported_time))
            - {{ lp_typed(typed, 'age.customerYearOfBirth', 'integer') }}
        ) as age_in_years
    from ages

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        lp_text(person.authenticatedConversationId) as authenticated_conversation_id,
        lp_pseudonym(lp_text(person.name)) as first_name,
        lp_pseudonym(lp_text(person.surname)) as surname,
        case
            when age_in_years < 18 then 'under 18'
            when age_in_years < 25 then '18-24'
            when age_in_years < 35 then '25-34'
            when age_in_years < 45 then '35-44'
            when age_in_years < 55 then '45-54'
            when age_in_years < 65 then '55-64'
            when age_in_years < 130 then '65 and over'
        end as age_band,
        {{ lp_list_length(lp_union_value('person.contacts')) }} as contact_count,
        {{ lp_typed(typed, 'person.isAuthenticated', 'boolean') }} as is_authenticated,
        lp_time(reported_time) as reported_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from ages_in_years

)

select * from renamed
