{#
    A membership tier's rank: its position in the project variable `membership_tiers`
    (highest first), tiers the variable does not list after them.
#}
{% macro lp_tier_rank(tier_expr) -%}
    {%- set membership_tiers = var('membership_tiers') -%}
    case {{ tier_expr }}
        {%- for tier in membership_tiers %}
        when '{{ tier | lower }}' then {{ loop.index }}
        {%- endfor %}
        else {{ membership_tiers | length + 1 }}
    end
{%- endmacro %}

{#
    A membership tier as it is compared and shown: like a customer id (lp_customer_key),
    trimmed of blanks and lower-cased.
#}
{% macro lp_tier_name(tier_expr) -%}
    {{ lp_customer_key(tier_expr) }}
{%- endmacro %}

{#
    The precedence of an order report's amount (int_liveperson__order_reports'
    amount_source) for the order's total: purchase total, goal total, purchase cart
    total, goal cart total, then none.
#}
{% macro lp_amount_precedence(amount_source_expr) -%}
    case {{ amount_source_expr }}
        when 'purchase_total' then 1
        when 'goal_total' then 2
        when 'purchase_cart_total' then 3
        when 'goal_cart_total' then 4
        else 5
    end
{%- endmacro %}

{#
    The SQL type of money: decimal(18, 4). LivePerson sends doubles of no stated
    currency; four places keep three-decimal currencies and sub-cent unit prices exact,
    and sums do not drift as doubles do. Rounding to cents is for marts.
#}
{% macro lp_money_type() -%}
    decimal(18, 4)
{%- endmacro %}

{#
    Student's t quantile for probability 0.975 and `degrees` degrees of freedom, by its
    Cornish-Fisher expansion in 1/degrees (four terms): below 2e-13 of the exact value
    from 300 degrees on; the seed student_t_quantiles holds the exact values below.
#}
{% macro lp_t_quantile_975(degrees) -%}
    {%- set z = 1.959963984540054 -%}
    {%- set v = '(' ~ degrees ~ ')' -%}
    ({{ z }}
        + {{ (z ** 3 + z) / 4 }} / {{ v }}
        + {{ (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96 }} / power({{ v }}, 2)
        + {{ (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384 }}
        / power({{ v }}, 3)
        + {{ (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z)
            / 92160 }}
        / power({{ v }}, 4))
{%- endmacro %}
