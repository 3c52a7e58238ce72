{#
    The SQL functions that read LivePerson values, created before every run
    (on-run-start in dbt_project.yml) with the same names on every engine, so that
    models and compiled SQL say `lp_amount(purchase.total)` rather than the expression
    behind it. DuckDB: macros stored in the warehouse (they work in `make shell` too).
    Spark: temporary SQL functions of the session.

    The parse reads every Avro union as a map {branch: value} (`{"double": "85.41"}`,
    `{"com.liveperson.dataaccess.ControlGroupEnum": "NA"}`: any branch, any type name);
    these functions take a scalar union and give its value:
      lp_text(u)       its text
      lp_amount(u)     money: a decimal number (sign, digits, point; no exponent; blanks
                       around) rounded half away from zero to decimal(18, 4), 0 or more
                       and below 10^14, else null
      lp_decimal(u)    the same of any sign, else null
      lp_integer(u)    a whole number that fits 32 bits, else null
      lp_bigint(u)     a whole number that fits 64 bits, else null
      lp_boolean(u)    true or false (as JSON writes them), else null
      lp_time(u)       a UTC timestamp from epoch milliseconds (12 or 13 digits) or
                       ISO-8601 text (with Z or an offset: converted; without: UTC),
                       else null
      lp_problem(u, kind)
                       why the value cannot be read as `kind` ('amount', 'decimal',
                       'integer', 'bigint', 'boolean', 'time'): 'encrypted' (a PGP
                       message), 'out of range' (a number), else 'not <a kind>'; null
                       when it can, or when there is no value
    and on text:
      lp_type_key(name)    a type name's short name (after the last dot), lower-cased:
                           how record types are recognised
      lp_pseudonym(text)   HMAC-SHA256 of the text (64 hex digits) with the key of
                           LP_PSEUDONYM_KEY_FILE (macros/privacy.sql)
      lp_scrub_url(url)    the URL without what may identify a person
                           (macros/privacy.sql)
      lp_scrub_text(text)  free text with e-mail addresses replaced by `redacted`
#}
{% macro lp_create_functions() -%}
    {{ return(adapter.dispatch('lp_create_functions', 'liveperson_warehouse')()) }}
{%- endmacro %}

{#
    The definitions: name, parameters (name, Spark type), Spark return type and body.
    Bodies are written once, in SQL both engines read (Spark's regexp_like is DuckDB's
    regexp_matches); `lp_scalar(u)` in a body is the union's value (map_values(u)[1] on
    DuckDB; on Spark a function of its own: lp_spark_function_definitions).
#}
{% macro lp_function_definitions() -%}
    {%- set union = [('u', 'map<string, string>')] -%}
    {#- A decimal amount's text: sign, digits, point, blanks around (no exponent: a
        printed double that needs one is out of any amount's range); any number's. -#}
    {%- set decimal_text = '^\\s*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)\\s*$' -%}
    {%- set number_text = (
        '^\\s*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?\\s*$'
    ) -%}
    {%- set text = [('v', 'string')] -%}
    {{ return([
        ('lp_text', union, 'string', "lp_scalar(u)"),
        ('lp_amount', union, 'decimal(18, 4)',
            "case when regexp_matches(lp_scalar(u), '" ~ decimal_text ~ "')"
            ~ " and try_cast(lp_scalar(u) as decimal(18, 4)) >= 0"
            ~ " then try_cast(lp_scalar(u) as decimal(18, 4)) end"),
        ('lp_decimal', union, 'decimal(18, 4)',
            "case when regexp_matches(lp_scalar(u), '" ~ decimal_text ~ "')"
            ~ " then try_cast(lp_scalar(u) as decimal(18, 4)) end"),
        ('lp_integer', union, 'int',
            "case when regexp_matches(lp_scalar(u), '^-?[0-9]{1,10}$')"
            ~ " then try_cast(lp_scalar(u) as int) end"),
        ('lp_bigint', union, 'bigint',
            "case when regexp_matches(lp_scalar(u), '^-?[0-9]{1,19}$')"
            ~ " then try_cast(lp_scalar(u) as bigint) end"),
        ('lp_boolean', union, 'boolean',
            "case lp_scalar(u) when 'true' then true when 'false' then false end"),
        ('lp_time', union, 'timestamp', lp_time_body()),
        ('lp_problem', union + [('kind', 'string')], 'string', "case
            when lp_scalar(u) is null then null
            when kind = 'amount' and lp_amount(u) is not null then null
            when kind = 'decimal' and lp_decimal(u) is not null then null
            when kind = 'integer' and lp_integer(u) is not null then null
            when kind = 'bigint' and lp_bigint(u) is not null then null
            when kind = 'boolean' and lp_boolean(u) is not null then null
            when kind = 'time' and lp_time(u) is not null then null
            when lp_scalar(u) like '-----BEGIN PGP%' then 'encrypted'
            when regexp_matches(lp_scalar(u), '" ~ number_text ~ "') then 'out of range'
            when kind in ('amount', 'integer') then 'not an ' || kind
            else 'not a ' || kind
        end"),
        ('lp_type_key', text, 'string', "lower(regexp_extract(v, '[^.]*$', 0))"),
        ('lp_pseudonym', text, 'string', lp_pseudonym_body()),
        ('lp_scrub_url', text, 'string', lp_scrub_url_body()),
        ('lp_scrub_text', text, 'string', lp_scrub_text_body()),
    ]) }}
{%- endmacro %}

{% macro duckdb__lp_create_functions() -%}
    {#- A record or array union (a map {type name or `array`: value}): its value and
        its branch. Spark reads them with map_values / map_keys (lp_union_value). -#}
    create or replace macro main.lp_value(m) as map_values(m)[1];
    create or replace macro main.lp_branch(m) as map_keys(m)[1];
    {% for name, parameters, _, body in lp_function_definitions() -%}
        create or replace macro main.{{ name }}(
            {{- parameters | map(attribute=0) | join(', ') -}}
        ) as {{ body | replace('lp_scalar(u)', 'map_values(u)[1]') }};
    {% endfor -%}
    {#- read_text gives no rows for a missing file: without this check every keyed
        hash would silently be null (or wrong, from a damaged file). -#}
    select error(
        'The pseudonym key file {{ lp_pseudonym_key_file() }} is missing, empty or '
        || 'not a key (two lines of hex digits): '
        || 'create it with `python -m loader pseudonym-key` (make and '
        || '`python -m loader.dbt_runner` do on first use), or point '
        || 'LP_PSEUDONYM_KEY_FILE at your key'
    )
    where not exists (
        select 1 from read_text('{{ lp_pseudonym_key_file() }}')
        where regexp_matches(content, '^\s*[0-9a-fA-F]+\s+[0-9a-fA-F]+\s*$')
    );
{%- endmacro %}

{% macro spark__lp_create_functions() -%}
    {%- do run_query(lp_spark_pseudonym_key_view()) -%}
    {%- for name, parameters, returns, body in lp_spark_function_definitions() -%}
        {%- set signature = [] -%}
        {%- for parameter, type in parameters -%}
            {%- do signature.append(parameter ~ ' ' ~ type) -%}
        {%- endfor -%}
        {%- do run_query(
            'create or replace temporary function ' ~ name ~ '('
            ~ signature | join(', ') ~ ') returns ' ~ returns ~ ' return ' ~ body
        ) -%}
    {%- endfor -%}
{%- endmacro %}

{#
    The definitions on Spark: Spark's name for regexp_matches, and lp_scalar(u) a
    function of its own (created first), a union's value as text as DuckDB's
    json_transform gives it. Both engines read a JSON number under a `double` or `float`
    branch as a double and print it again, but Spark (Java) prints 1.0E7,
    1.2345678912345679E8 and 1.0E-5 where DuckDB (like Python) prints 10000000.0,
    123456789.12345679 and 1e-05: lp_double_text rewrites Java's scientific notation
    (its plain notation, 0.001 to 10^7, is DuckDB's) by lp_double_digits, which writes
    digits d1 d2 ... times 10^exponent as Python's repr does: plain from 10^-4 to 10^16
    (.0 when whole), else d1.d2...e+XX with two exponent digits at least.
#}
{% macro lp_spark_function_definitions() -%}
    {%- set scalar -%}
        case
            when map_keys(u)[0] in ('double', 'float')
                and map_values(u)[0] rlike '^-?[0-9][.][0-9]+E-?[0-9]+$'
                then lp_double_text(map_values(u)[0])
            else map_values(u)[0]
        end
    {%- endset -%}
    {%- set double_text -%}
        lp_double_digits(
            regexp_extract(t, '^-?', 0),
            concat(
                regexp_extract(t, '^-?([0-9])', 1),
                regexp_replace(regexp_extract(t, '[.]([0-9]+)E', 1), '0+$', '')
            ),
            cast(regexp_extract(t, 'E(-?[0-9]+)$', 1) as int)
        )
    {%- endset -%}
    {%- set double_digits -%}
        concat(sign, case
            when exponent between 7 and 15 then concat(
                substr(rpad(digits, exponent + 1, '0'), 1, exponent + 1),
                '.',
                case
                    when length(digits) > exponent + 1
                        then substr(digits, exponent + 2)
                    else '0'
                end
            )
            when exponent = -4 then concat('0.000', digits)
            else concat(
                substr(digits, 1, 1),
                case when length(digits) > 1 then '.' || substr(digits, 2) else '' end,
                'e',
                case when exponent < 0 then '-' else '+' end,
                case when abs(exponent) < 10 then '0' else '' end,
                cast(abs(exponent) as string)
            )
        end)
    {%- endset -%}
    {%- set definitions = [
        ('lp_double_digits',
            [('sign', 'string'), ('digits', 'string'), ('exponent', 'int')],
            'string', double_digits),
        ('lp_double_text', [('t', 'string')], 'string', double_text),
        ('lp_scalar', [('u', 'map<string, string>')], 'string', scalar),
    ] -%}
    {%- for name, parameters, returns, body in lp_function_definitions() -%}
        {%- do definitions.append((
            name, parameters, returns, body | replace('regexp_matches(', 'regexp_like(')
        )) -%}
    {%- endfor -%}
    {{ return(definitions) }}
{%- endmacro %}

{#
    Spark cannot call a SQL function inside a lambda (UNSUPPORTED_FEATURE.
    LAMBDA_FUNCTION_WITH_SQL_UDF), so the spark__ list macros write each lp_* call of a
    lambda's body out as the function's body, its parameters replaced by the call's
    arguments (in parentheses), until no call is left.
#}
{% macro lp_spark_inline_functions(sql) -%}
    {%- set re = modules.re -%}
    {%- set definitions = {} -%}
    {%- for name, parameters, _, body in lp_spark_function_definitions() -%}
        {%- do definitions.update({
            name: (parameters | map(attribute=0) | list, body)
        }) -%}
    {%- endfor -%}
    {%- set call = re.compile('\\b(' ~ definitions.keys() | join('|') ~ ')\\(') -%}
    {%- set state = namespace(sql=sql) -%}
    {#- One call per round (sqlfluff's Jinja has no break: later rounds find none). -#}
    {%- for _ in range(200) -%}
        {%- set found = call.search(state.sql) -%}
        {%- if found -%}
            {#- Its arguments: split at commas outside parentheses and quotes. -#}
            {%- set scan = namespace(
                depth=1, quoted=false, start=found.end(), end=none
            ) -%}
            {%- set arguments = [] -%}
            {%- for position in range(found.end(), state.sql | length) -%}
                {%- set character = state.sql[position] -%}
                {%- if scan.end is not none -%}
                {%- elif character == "'" -%}
                    {%- set scan.quoted = not scan.quoted -%}
                {%- elif scan.quoted -%}
                {%- elif character == '(' -%}
                    {%- set scan.depth = scan.depth + 1 -%}
                {%- elif character == ')' and scan.depth > 1 -%}
                    {%- set scan.depth = scan.depth - 1 -%}
                {%- elif character in ',)' and scan.depth == 1 -%}
                    {%- do arguments.append(state.sql[scan.start:position] | trim) -%}
                    {%- set scan.start = position + 1 -%}
                    {%- if character == ')' -%}
                        {%- set scan.end = position + 1 -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set parameters, body = definitions[found.group(1)] -%}
            {%- if scan.end is none or arguments | length != parameters | length -%}
                {{ exceptions.raise_compiler_error(
                    'Cannot inline ' ~ found.group(1) ~ ' in: ' ~ state.sql
                ) }}
            {%- endif -%}
            {#- Parameters (outside quoted literals) become placeholders first, so
                that an argument's text is never taken for a parameter. -#}
            {%- set expansion = namespace(body='') -%}
            {%- for piece in re.split("('[^']*')", body) -%}
                {%- set replaced = namespace(text=piece) -%}
                {%- if not piece.startswith("'") -%}
                    {%- for parameter in parameters -%}
                        {%- set replaced.text = re.sub(
                            '\\b' ~ parameter ~ '\\b', '\x01' ~ loop.index ~ '\x01',
                            replaced.text
                        ) -%}
                    {%- endfor -%}
                {%- endif -%}
                {%- set expansion.body = expansion.body ~ replaced.text -%}
            {%- endfor -%}
            {%- for argument in arguments -%}
                {%- set expansion.body = expansion.body
                    | replace('\x01' ~ loop.index ~ '\x01', '(' ~ argument ~ ')') -%}
            {%- endfor -%}
            {%- set state.sql = state.sql[:found.start()] ~ '(' ~ expansion.body ~ ')'
                ~ state.sql[scan.end:] -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if call.search(state.sql) -%}
        {{ exceptions.raise_compiler_error('Too many calls to inline in: ' ~ sql) }}
    {%- endif -%}
    {{ return(state.sql) }}
{%- endmacro %}

{#
    lp_time: epoch milliseconds, else ISO text with a zone (converted to UTC), else ISO
    text without one (read as UTC). Spark's session time zone is UTC (profiles.yml).
#}
{% macro lp_time_body() -%}
    {{ return(adapter.dispatch('lp_time_body', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_time_body() -%}
    case
        when regexp_full_match(lp_scalar(u), '[0-9]{12,13}')
            then make_timestamp(cast(lp_scalar(u) as bigint) * 1000)
        when not regexp_full_match(lp_scalar(u), '{{ lp_iso_time_pattern() }}')
            then null
        when regexp_matches(lp_scalar(u), '(Z|[+-][0-9]{2}:?[0-9]{2})$')
            then timezone('UTC', try_cast(lp_scalar(u) as timestamptz))
        else try_cast(lp_scalar(u) as timestamp)
    end
{%- endmacro %}

{% macro spark__lp_time_body() -%}
    case
        when lp_scalar(u) rlike '^[0-9]{12,13}$'
            then timestamp_millis(cast(lp_scalar(u) as bigint))
        when lp_scalar(u) rlike '^{{ lp_iso_time_pattern() }}$'
            then cast(lp_scalar(u) as timestamp)
    end
{%- endmacro %}

{#
    The ISO-8601 times lp_time reads: date, `T` or a space, time, an optional fraction
    and an optional `Z` or offset.
#}
{% macro lp_iso_time_pattern() -%}
    {%- set day = '[0-9]{4}-[0-9]{2}-[0-9]{2}' -%}
    {%- set time_of_day = '[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?' -%}
    {{- day }}[T ]{{ time_of_day }}(Z|[+-][0-9]{2}:?[0-9]{2})?
{%- endmacro %}
