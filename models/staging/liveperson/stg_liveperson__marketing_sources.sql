-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as marketing_source,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'marketing_source'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('marketing_source', 'campaignId') }} as marketing_campaign_id,
        {{ lp_text('marketing_source', 'affiliate') }} as affiliate,
        -- The reference capitalises OriginatingChannel; Avro's usual style would not.
        cast(coalesce(
            {{ lp_text('marketing_source', 'OriginatingChannel') }},
            {{ lp_text('marketing_source', 'originatingChannel') }}
        ) as integer) as originating_channel,
        reported_at
    from source

)

select * from renamed
