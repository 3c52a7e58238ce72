{#
    Spark seeds. dbt-spark's session method (the `spark` target) sends every seed value
    as a quoted Python string, so an empty CSV cell becomes the text 'None', not null.
    This is dbt-spark's spark__load_csv_rows with the values written as SQL literals
    (lp_spark_literal) instead of bindings; the other dbt-spark methods load the same.
#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(
            col_name, adapter.convert_type(agate_table, loop.index0)
        )) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- do values.append('cast(' ~ lp_spark_literal(value)
                    ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values '
            ~ rows | join(', ') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{- return(statements[0]) -}}
{%- endmacro %}

{# A seed value as a Spark SQL literal: null, a boolean, a number or quoted text. #}
{% macro lp_spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        {%- set text = value | string | replace('\\', '\\\\') | replace("'", "\\'") -%}
        {{ "'" ~ text ~ "'" }}
    {%- endif -%}
{%- endmacro %}
