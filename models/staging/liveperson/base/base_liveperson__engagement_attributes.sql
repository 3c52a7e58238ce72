-- depends_on: {{ ref('base_liveperson__web_session_records') }}
-- One row per engagement-attribute event of a kept visit, its member type recognised
-- once, here; the typed attribute models read `attribute_data` from this model.
with

source as (

    select
        visit_id,
        visitor_id,
        body_position,
        body,
        file_name,
        line_number,
        landed_at
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'engagement_attributes'

),

record_types as (

    select
        {{ lp_type_key('type_name') }} as type_key,
        entity
    from {{ ref('liveperson_record_types') }}
    where member_kind = 'engagement_attribute'

),

attribute_lists as (

    select
        visit_id,
        visitor_id,
        body_position,
        file_name,
        line_number,
        landed_at,
        {{ lp_items('body', 'engagementAttributes') }} as attribute_items
    from source

),

unnested as (

    select
        visit_id,
        visitor_id,
        body_position,
        file_name,
        line_number,
        landed_at,
        {{ lp_unnest('attribute_items', 'attribute', 'item_position') }}
    from attribute_lists

),

attribute_fields as (

    select
        visit_id,
        visitor_id,
        row_number() over (
            partition by visit_id order by body_position, item_position
        ) as attribute_number,
        {{ lp_timestamp('attribute', 'timestamp') }} as reported_at,
        {{ lp_json_get(lp_field('attribute'), '$."data"') }} as data_wrapper,
        file_name,
        line_number,
        landed_at
    from unnested

),

named as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        {{ lp_wrapper_name('data_wrapper') }} as attribute_type_name,
        {{ lp_unwrap('data_wrapper') }} as attribute_data,
        reported_at,
        file_name,
        line_number,
        landed_at
    from attribute_fields

),

recognized as (

    select
        named.visit_id,
        named.visitor_id,
        named.attribute_number,
        record_types.entity as attribute_type,
        named.attribute_type_name,
        named.attribute_data,
        named.reported_at,
        named.file_name,
        named.line_number,
        named.landed_at
    from named
    left join record_types
        on {{ lp_type_key('named.attribute_type_name') }} = record_types.type_key

)

select * from recognized
