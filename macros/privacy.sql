{#
    The privacy boundary (README, "Personal data"): clear personal data stays in `raw`;
    staging and everything after it hold keyed hashes, generalised values or nothing.

    lp_pseudonym(text) is HMAC-SHA256 with a secret key kept outside the warehouse and
    the repository, in the file LP_PSEUDONYM_KEY_FILE (default
    ~/.config/liveperson-warehouse/pseudonym.key; `python -m loader pseudonym-key`
    creates it, and `make` does on first use). The same person gives the same 64 hex
    digits in every table, but without the key no one can test a guess (an unsalted
    SHA-256 of an e-mail address falls to a dictionary). The file holds the key in the
    form HMAC uses it (the key XOR ipad, then XOR opad, one hex line each), so that SQL
    only hashes; compiled SQL and logs name the file, never its content.

    lp_scrub_url(url) keeps a URL's scheme, host, path and query parameter names, and
    removes what may identify a person: user info (`user:password@`), the fragment, the
    values of parameters named like an e-mail, a phone, a name, a token, a session or a
    key (they read `redacted`), and e-mail addresses anywhere (`redacted`).
#}

{% macro lp_pseudonym_key_file() -%}
    {{- env_var(
        'LP_PSEUDONYM_KEY_FILE',
        env_var('HOME', '') ~ '/.config/liveperson-warehouse/pseudonym.key'
    ) | replace("'", "''") -}}
{%- endmacro %}

{% macro lp_pseudonym_body() -%}
    {{ return(adapter.dispatch('lp_pseudonym_body', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_pseudonym_body() -%}
    {%- set key_line -%}
        (select split_part(trim(content), chr(10), {n})
        from read_text('{{ lp_pseudonym_key_file() }}'))
    {%- endset -%}
    case when v is not null then sha256(
        unhex({{ key_line | replace('{n}', '2') }})
        || unhex(sha256(unhex({{ key_line | replace('{n}', '1') }}) || encode(v)))
    ) end
{%- endmacro %}

{% macro spark__lp_pseudonym_body() -%}
    case when v is not null then sha2(concat(
        unhex((select outer_pad from lp_pseudonym_key)),
        unhex(sha2(concat(
            unhex((select inner_pad from lp_pseudonym_key)), encode(v, 'UTF-8')
        ), 256))
    ), 256) end
{%- endmacro %}

{# Spark: the key file's two lines as a one-row temporary view. #}
{% macro lp_spark_pseudonym_key_view() -%}
    create or replace temporary view lp_pseudonym_key as
    select
        element_at(collect_list(value), 1) as inner_pad,
        element_at(collect_list(value), 2) as outer_pad
    from text.`{{ lp_pseudonym_key_file() }}`
{%- endmacro %}

{#
    Query parameters whose values may identify a person (case-insensitive), and an
    e-mail address (`@` or its percent-encoding %40).
#}
{% macro lp_personal_url_parameters() -%}
    {{- 'email|e-mail|mail|token|access_token|id_token|auth|password|passwd|pwd'
        ~ '|phone|tel|mobile|name|firstname|first_name|lastname|last_name|surname'
        ~ '|user|username|login|session|sessionid|session_id|sid|ssn|key|apikey'
        ~ '|api_key|code|secret' -}}
{%- endmacro %}

{% macro lp_email_pattern() -%}
    [A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}
{%- endmacro %}

{% macro lp_scrub_url_body() -%}
    {{ return(adapter.dispatch('lp_scrub_url_body', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_scrub_url_body() -%}
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(v,
        '#.*$', ''),
        '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1'),
        '(?i)([?&]({{ lp_personal_url_parameters() }})=)[^&]*', '\1redacted', 'g'),
        '{{ lp_email_pattern() }}', 'redacted', 'g')
{%- endmacro %}

{% macro spark__lp_scrub_url_body() -%}
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(v,
        '#.*$', ''),
        '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '$1'),
        '(?i)([?&]({{ lp_personal_url_parameters() }})=)[^&]*', '$1redacted'),
        '{{ lp_email_pattern() | replace('\\', '\\\\') }}', 'redacted')
{%- endmacro %}

{% macro lp_scrub_text_body() -%}
    {{ return(adapter.dispatch('lp_scrub_text_body', 'liveperson_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__lp_scrub_text_body() -%}
    regexp_replace(v, '{{ lp_email_pattern() }}', 'redacted', 'g')
{%- endmacro %}

{% macro spark__lp_scrub_text_body() -%}
    regexp_replace(v, '{{ lp_email_pattern() | replace('\\', '\\\\') }}', 'redacted')
{%- endmacro %}
