{#
    The `raw` source on engines where the loader does not write it (on-run-start,
    dbt_project.yml). DuckDB: nothing to do, the loader lands raw.web_sessions and
    raw.web_session_files into the warehouse file. Spark: raw is read from the landing
    folder the loader keeps, LANDING_DIR (see the README's Spark section).
#}
{% macro lp_create_raw_relations() -%}
    {{ return(adapter.dispatch('lp_create_raw_relations', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro default__lp_create_raw_relations() -%}
{%- endmacro %}

{#
    Spark: external tables over the landed originals and over the loader's manifest
    (LANDING_DIR/landed_files.csv: lp_spark_manifest_name; one row per file whose latest
    delivery landed), and
    two views with the columns of DuckDB's raw tables:
    - raw.web_sessions: one row per record (non-blank line) of a file in the manifest,
      numbered from 1 in file order as the loader numbers them, with the manifest's
      landed_at. Failed files (possibly corrupt gzip: ignoreCorruptFiles) and replaced
      originals (`<name>.replaced-<sha>`, not `*.gz`) are in the folder but not in the
      manifest, so they are not read as data. A gzip file is not splittable: one task
      reads it, in order, so monotonically_increasing_id() orders its lines.
    - raw.web_session_files: the ledger columns the manifest knows (the others null).
    Newline-delimited files only (what LivePerson sends); DuckDB also reads
    pretty-printed documents, which fail the Spark query with the file's name. Runs
    before every dbt command, so the views always read
    the folder as it is now.
#}
{% macro spark__lp_create_raw_relations() -%}
    {%- if execute -%}
        {%- set landing = env_var('LANDING_DIR', 'data/landing')
            | replace("'", "\\'") -%}
        {%- set statements = [
            "create database if not exists raw",
            "drop table if exists raw.landed_file_lines",
            "create table raw.landed_file_lines (value string) using text options ("
                ~ "path '" ~ landing ~ "', pathGlobFilter '*.gz', "
                ~ "recursiveFileLookup 'true', ignoreCorruptFiles 'true')",
            "drop table if exists raw.landed_files_manifest",
            "create table raw.landed_files_manifest (file_name string, "
                ~ "landing_path string, sha256 string, record_count bigint, "
                ~ "landed_at string) using csv options ("
                ~ "path '" ~ landing ~ "/" ~ lp_spark_manifest_name()
                ~ "', header 'true')",
            lp_spark_web_sessions_view(),
            lp_spark_web_session_files_view(),
        ] -%}
        {%- for statement in statements -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#
    The manifest's file name (loader/manifest.py, MANIFEST_NAME). It must not start with
    `_` or `.`: Spark (like Hadoop) skips such files, even when named explicitly, and
    reads them as empty.
#}
{% macro lp_spark_manifest_name() -%}
    landed_files.csv
{%- endmacro %}

{% macro lp_spark_web_sessions_view() -%}
    create or replace view raw.web_sessions as
    with

    lines as (

        select
            value as line,
            _metadata.file_path as file_path,
            monotonically_increasing_id() as read_order
        from raw.landed_file_lines

    ),

    records as (

        -- Blank lines are not records (the loader skips them too). The path relative
        -- to LANDING_DIR is the last three parts: webSession/<day>/<file name>.
        select
            regexp_extract(file_path, '[^/]+/[^/]+/[^/]+$', 0) as landing_path,
            regexp_replace(line, '^\\s+|\\s+$', '') as record,
            read_order
        from lines
        where line rlike '\\S'

    ),

    landed as (

        select
            manifest.file_name,
            manifest.record_count,
            records.record,
            records.read_order,
            cast(manifest.landed_at as timestamp) as landed_at,
            count(*) over (partition by manifest.file_name) as line_count
        from records
        inner join raw.landed_files_manifest as manifest
            on records.landing_path = manifest.landing_path

    )

    -- A file whose lines are not its landed records (a pretty-printed document, which
    -- DuckDB lands but Spark cannot split into records; or an original changed since
    -- it landed) fails the query, naming the file, rather than giving wrong rows; so
    -- does a listed file with no line read at all (missing, unreadable or corrupt).
    select
        file_name,
        row_number() over (
            partition by file_name order by read_order
        ) as line_number,
        case
            when line_count = record_count then record
            else raise_error(concat(
                'landed file ', file_name, ' has ', cast(line_count as string),
                ' non-blank lines but ', cast(record_count as string),
                ' landed records: Spark reads newline-delimited files only',
                ' (one record per line)'
            ))
        end as record,
        landed_at
    from landed
    union all
    select
        manifest.file_name,
        cast(null as int) as line_number,
        cast(raise_error(concat(
            'landed file ', manifest.file_name, ' (', manifest.landing_path,
            ' in the landing folder) could not be read: missing, unreadable or corrupt'
        )) as string) as record,
        cast(null as timestamp) as landed_at
    from raw.landed_files_manifest as manifest
    left anti join records
        on manifest.landing_path = records.landing_path
{%- endmacro %}

{% macro lp_spark_web_session_files_view() -%}
    create or replace view raw.web_session_files as
    select
        file_name,
        cast(null as timestamp) as scope_start_at,
        cast(null as timestamp) as scope_end_at,
        cast(null as string) as source,
        landing_path as source_uri,
        cast(null as bigint) as size_bytes,
        cast(null as bigint) as uncompressed_bytes,
        sha256,
        record_count,
        cast(landed_at as timestamp) as landed_at,
        'landed' as status,
        cast(null as string) as error,
        cast(landed_at as timestamp) as attempted_at,
        cast(null as int) as replaced_count
    from raw.landed_files_manifest
{%- endmacro %}
