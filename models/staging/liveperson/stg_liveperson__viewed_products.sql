-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as viewed_product,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'viewed_product'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_list_length(lp_items('viewed_product', 'products')) }} as product_count,
        reported_at
    from source

)

select * from renamed
